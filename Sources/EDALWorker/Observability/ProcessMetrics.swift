import Foundation
import Metrics
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// The process metrics every Prometheus client library exports, under their standard names
/// (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_open_fds`, …) so the
/// usual dashboards and alerts find them, and `edal_build_info{version}`. Read from `/proc` at each
/// scrape (`update`); on systems without `/proc` only the build info is exported.
public final class ProcessMetrics: Sendable {
    private let cpuSeconds = FloatingPointCounter(label: "process_cpu_seconds_total")
    private let residentBytes = Gauge(label: "process_resident_memory_bytes")
    private let virtualBytes = Gauge(label: "process_virtual_memory_bytes")
    private let openDescriptors = Gauge(label: "process_open_fds")
    private let maximumDescriptors = Gauge(label: "process_max_fds")
    private let startTime = Gauge(label: "process_start_time_seconds")
    private let cpuSynced = NIOLockedValueBox(0.0)

    public init(version: String) {
        Gauge(label: "edal_build_info", dimensions: [("version", version)]).record(1)
    }

    /// Reads `/proc/self` and sets the gauges (adds to the CPU counter what it gained).
    public func update() {
        #if os(Linux)
            guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return }
            // Fields after the command name (which may hold spaces), numbered from 3 (`state`).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
            if let user = field(14), let system = field(15), ticks > 0 {
                let total = (user + system) / ticks
                let added = cpuSynced.withLockedValue { synced -> Double in
                    defer { synced = max(synced, total) }
                    return total - synced
                }
                if added > 0 { cpuSeconds.increment(by: added) }
            }
            if let pages = field(24) { residentBytes.record(pages * pageSize) }
            if let bytes = field(23) { virtualBytes.record(bytes) }
            if let started = field(22), ticks > 0, let boot = Self.bootTime() {
                startTime.record(boot + started / ticks)
            }
            if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                openDescriptors.record(descriptors.count)
            }
            var limit = rlimit()
            if getrlimit(Self.descriptorLimit, &limit) == 0 { maximumDescriptors.record(Double(limit.rlim_cur)) }
        #endif
    }

    #if os(Linux)
        private static let descriptorLimit = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

        /// Boot time in Unix seconds (`btime` in `/proc/stat`).
        private static func bootTime() -> Double? {
            guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
            return stat.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap {
                Double($0.dropFirst("btime ".count))
            }
        }
    #endif
}
