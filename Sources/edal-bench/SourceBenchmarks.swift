// `edal-bench sources`: what a reader of every source (the operator page, the gauges) costs the
// hot path. A tracker with `--sources` sources (100,000 by default) judges objects one at a time
// while another task reads every baseline in a loop, as a page fetched over and over would; the
// latency of each `observe` is recorded, and the same run without the reader gives the baseline.
import EDALDetection
import EDALTools
import EDALWorker
import Foundation

struct SourceContention: Encodable {
    var sources: Int
    var observations: Int
    var pageReads: Int
    var quietP50: Double
    var quietP99: Double
    var busyP50: Double
    var busyP99: Double
    var busyP999: Double
    var busyMax: Double
}

func sourceContention(sources: Int, observations: Int) async -> SourceContention {
    let tracker = SourceTracker(registry: SourceRegistry(), store: nil)
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    func object(source: Int, step: Int) -> ObjectObservation {
        let time = start.addingTimeInterval(Double(step * 300 + source % 300))
        let key = String(
            format:
                "AWSLogs/%012d/CloudTrail/us-east-1/2026/11/18/%012d_CloudTrail_us-east-1_20261118T%02d%02dZ_k%06d.json.gz",
            source, source, step / 12 % 24, step % 12 * 5, step * 1_000 + source % 1_000)
        return ObjectObservation(
            bucket: "trail", key: key, eTag: "e\(step)-\(source)", size: Int64(40_000 + step * 10), lastModified: time,
            contentType: "application/json", serverSideEncryption: "AES256", writer: "AWS:AROA1:delivery")
    }
    for step in 0..<2 {
        for first in stride(from: 0, to: sources, by: 1_000) {
            _ = await tracker.observe((first..<min(sources, first + 1_000)).map { object(source: $0, step: step) })
        }
    }
    _ = tracker.baselines
    func timed(step: Int) async -> [Double] {
        var latencies: [Double] = []
        latencies.reserveCapacity(observations)
        let clock = ContinuousClock()
        for index in 0..<observations {
            let observation = object(source: index * 7 % sources, step: step)
            let started = clock.now
            _ = await tracker.observe([observation])
            let elapsed = (clock.now - started).components
            latencies.append(Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
        }
        return latencies.sorted()
    }
    func quantile(_ sorted: [Double], _ q: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }
    let quiet = await timed(step: 2)
    let reading = StopFlag()
    let reader = Task.detached {
        var reads = 0
        while !reading.isSet {
            let baselines = tracker.baselines
            _ = tracker.countsByState
            if baselines.isEmpty { break }
            reads += 1
        }
        return reads
    }
    let busy = await timed(step: 3)
    reading.set()
    let reads = await reader.value
    return SourceContention(
        sources: sources, observations: observations, pageReads: reads, quietP50: quantile(quiet, 0.5),
        quietP99: quantile(quiet, 0.99), busyP50: quantile(busy, 0.5), busyP99: quantile(busy, 0.99),
        busyP999: quantile(busy, 0.999),
        busyMax: busy.last ?? 0)
}

/// A flag one task sets and another reads.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// `edal-bench sources-bound`: `files` distinct user-named keys, one every half second, into one
/// bucket; at every quarter, the sources held, what was announced, the learner's shapes and the
/// process's resident memory (the keys themselves are made first, so they are in every figure).
func sourceBound(files: Int, bound: Int) -> [(
    objects: Int, sources: Int, announced: Int, storms: Int, other: Int, shapes: Int, residentMB: Double
)] {
    var registry = SourceRegistry()
    registry.maximumSourcesPerBucket = bound
    let keys = UserNamedFiles.keys(count: files)
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    var announced = 0
    var storms = 0
    var other = 0
    var otherChecks: [String: Int] = [:]
    var rows: [(objects: Int, sources: Int, announced: Int, storms: Int, other: Int, shapes: Int, residentMB: Double)] =
        []
    for (index, key) in keys.enumerated() {
        let observation = ObjectObservation(
            bucket: "files", key: key, eTag: "e\(index)", size: 20_000 + Int64(index % 13) * 1_000,
            lastModified: start.addingTimeInterval(Double(index) * 0.5))
        for event in registry.observe(observation).events {
            switch event.finding.check {
            case .newSource: announced += 1
            case .sourceStorm: storms += 1
            default:
                other += 1
                otherChecks[event.finding.check.rawValue, default: 0] += 1
            }
        }
        if (index + 1) % max(1, files / 4) == 0 {
            rows.append(
                (
                    index + 1, registry.baselines.count, announced, storms, other, registry.learner.shapeCount,
                    residentMegabytes()
                ))
        }
    }
    if !otherChecks.isEmpty {
        print(
            "  other source events: "
                + otherChecks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
    return rows
}

/// The process's resident set (`VmRSS` of /proc/self/status), in MB; 0 where there is none.
func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
    else { return 0 }
    return kilobytes / 1024
}
