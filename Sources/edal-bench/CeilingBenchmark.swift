import Foundation

/// The worker's own ceiling: `edal drain` with SQLite against `BenchmarkBackend`, which answers S3,
/// SQS and Kinesis from memory, so the figures are EDAL's and not an emulator's. The drain can be
/// pinned to one core (`taskset`), with the backend on the other, so "objects per second" is per
/// core; and it can run under `perf record` for the CPU split by stage (a separate run: perf's own
/// CPU would count as the child's).
struct CeilingBenchmark {
    var edal: String
    var objects: Int
    var workDirectory: URL
    /// The core the drain runs on (`taskset -c`); `nil`: wherever the scheduler puts it.
    var core: Int?
    /// Where `perf record -g` writes its samples; `nil`: no profile.
    var perfData: String?

    struct Result: Codable {
        var objects: Int
        var core: Int?
        var drainSeconds: Double
        /// Start to the last delete, without process start-up and the end-of-queue checks.
        var workSeconds: Double
        var workObjectsPerSecond: Double
        var cpuSeconds: Double
        var cpuMillisecondsPerObject: Double
        /// Objects per second of CPU: what one core could do if the worker kept it busy.
        var objectsPerCPUSecond: Double
        var peakRSSMegabytes: Double
        var requestsPerObject: [String: Double]
        var signals: Int
        var deleted: Int
        var complete: Bool
        var unexpectedRequests: [String: Int]
    }

    func run() async throws -> Result {
        let catalogue = BenchmarkObjects(bucket: "edal-bench-ceiling", count: objects)
        let backend = BenchmarkBackend(objects: catalogue)
        let endpoint = try await backend.start()
        let database = workDirectory.appendingPathComponent("ceiling-\(UInt32.random(in: 0...UInt32.max)).db")
        let summaryPath = workDirectory.appendingPathComponent("ceiling-summary.json")
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        }
        let inherited = ProcessInfo.processInfo.environment
        var environment = ["PATH": inherited["PATH"] ?? "/usr/bin:/bin", "HOME": inherited["HOME"] ?? "/tmp"]
        environment["AWS_ACCESS_KEY_ID"] = "bench"
        environment["AWS_SECRET_ACCESS_KEY"] = "bench"
        environment["AWS_REGION"] = "us-east-1"
        for service in ["S3", "SQS", "KINESIS"] { environment["AWS_ENDPOINT_URL_\(service)"] = endpoint }
        environment["EDAL_QUEUE"] = backend.queueURL(endpoint: endpoint)
        environment["EDAL_STREAM"] = backend.streamName
        environment["EDAL_STATE_STORE_URI"] = "sqlite:" + database.path
        environment["EDAL_ALLOWED_BUCKETS"] = catalogue.bucket
        environment["EDAL_LOG_LEVEL"] = "warning"
        for (name, value) in inherited where name.hasPrefix("EDAL_") && name != "EDAL_LOG_LEVEL" {
            environment[name] = value
        }

        var command = [edal, "drain", "--summary-json", summaryPath.path, "--idle-timeout", "30"]
        if let core { command = ["/usr/bin/taskset", "-c", String(core)] + command }
        if let perfData {
            command = ["/usr/bin/perf", "record", "-q", "-F", "1999", "-g", "-o", perfData, "--"] + command
        }
        log(
            "ceiling: draining \(objects) objects from the benchmark backend at \(endpoint)"
                + (core.map { " on core \($0)" } ?? "")
                + (perfData.map { " under perf (\($0))" } ?? ""))
        let drain = try ChildProcess.run(
            command[0], Array(command.dropFirst()), environment: environment, mayFail: true)
        try await backend.stop()

        let summary = (try? JSONSerialization.jsonObject(with: Data(contentsOf: summaryPath))) as? [String: Any] ?? [:]
        let drained = summary["objects"] as? Int ?? 0
        let requests = (summary["requests"] as? [String: Int]) ?? [:]
        let workSeconds = summary["work_seconds"] as? Double ?? drain.wallSeconds
        let totals = backend.totals
        return Result(
            objects: drained, core: core, drainSeconds: drain.wallSeconds, workSeconds: workSeconds,
            workObjectsPerSecond: Double(drained) / max(workSeconds, 0.001),
            cpuSeconds: drain.cpuSeconds, cpuMillisecondsPerObject: 1_000 * drain.cpuSeconds / Double(max(1, drained)),
            objectsPerCPUSecond: Double(drained) / max(drain.cpuSeconds, 0.001),
            peakRSSMegabytes: Double(drain.peakRSSKilobytes) / 1_024,
            requestsPerObject: requests.mapValues { Double($0) / Double(max(1, drained)) },
            signals: totals.records, deleted: totals.deleted,
            complete: drain.status == 0 && totals.left == 0 && drained == objects,
            unexpectedRequests: totals.unexpected
        )
    }
}
