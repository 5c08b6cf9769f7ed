import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion and measures it: wall time, its own CPU (user + sys, from
/// `getrusage(RUSAGE_CHILDREN)` around the one child), and its peak resident set (`VmHWM`, sampled
/// from /proc while it runs).
struct ChildProcess {
    var status: Int32
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakRSSKilobytes: Int

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `executable`; throws if it exits non-zero, unless `mayFail` (the caller reads `status`).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String], mayFail: Bool = false)
        throws -> ChildProcess
    {
        var before = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &before)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        var peak = 0
        while process.isRunning {
            peak = max(peak, highWaterMark(pid: process.processIdentifier) ?? 0)
            usleep(50_000)
        }
        process.waitUntilExit()
        let wall = (ContinuousClock.now - started).seconds
        var after = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &after)
        func seconds(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        let cpu =
            seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)
        if process.terminationStatus != 0 && !mayFail {
            throw Failed(
                description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return ChildProcess(
            status: process.terminationStatus, wallSeconds: wall, cpuSeconds: cpu, peakRSSKilobytes: peak)
    }

    /// `VmHWM` (peak resident set, kB) of a running process.
    static func highWaterMark(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }
}
