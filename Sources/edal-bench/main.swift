import EDALDetection
// `make bench`: micro-benchmarks of the hot paths and end-to-end runs against the emulators
// (release build). Prints one table and writes the same figures as JSON.
//
//   edal-bench micro [--json PATH]
//   edal-bench detect [--profile NAME] [--repeat N]   (a fourth day's detection alone, for a profiler)
//   edal-bench e2e --edal PATH --objects N --object-size BYTES --label NAME --work DIR [--json PATH]
//   edal-bench sources [--sources N] [--observations N] [--json PATH]   (observe() while every source is read)
//   edal-bench sources-bound [--files N] [--bound N]   (sources and memory under user-named keys)
//   edal-bench store [--objects N] [--batch N] [--retention SECONDS] [--path FILE] [--json PATH]
//   edal-bench ceiling --edal PATH [--objects N] [--core C] [--perf-data FILE] [--work DIR] [--json PATH]
import EDALState
import EDALTools
import EDALWorker
import Foundation

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func writeJSON<T: Encodable>(_ value: T) throws {
    guard let path = option("--json") else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(value).write(to: URL(fileURLWithPath: path))
}

/// `operation 1.000, …`, by operation name.
func describe(requestsPerObject: [String: Double]) -> String {
    requestsPerObject.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(
        separator: ", ")
}

func format(_ seconds: Double) -> String {
    if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
    return String(format: "%.2f µs", seconds * 1e6)
}

let mode = CommandLine.arguments.dropFirst().first ?? "micro"
switch mode {
case "micro":
    let rows = try microBenchmarks()
    let width = rows.map(\.name.count).max() ?? 0
    print("EDAL micro-benchmarks (release, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
    for row in rows {
        print(row.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + format(row.seconds))
    }
    try writeJSON(Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0.seconds) }))
case "detect":
    // One producer profile's objects generated once, then only detection, `--repeat` times over:
    // what `perf record` should look at when detection is slow.
    let name = option("--profile") ?? "melt"
    guard let profile = ProducerProfile(rawValue: name) else {
        print("unknown profile \(name); one of \(ProducerProfile.allCases.map(\.rawValue).joined(separator: ", "))")
        exit(2)
    }
    let repeats = option("--repeat").flatMap(Int.init) ?? 20
    // Three days learnt first (not timed), then the fourth day, `--repeat` times from that state.
    let scenario = ProducerScenario(profile: profile, seed: 2, warmUp: 3 * 86_400, day: 86_400, incidentsPerKind: 0)
    let all = scenario.generate().objects.map(\.observation)
    let cut = all.firstIndex { $0.lastModified >= scenario.measuredFrom } ?? all.endIndex
    var warmed = SourceRegistry()
    for object in all[..<cut] { _ = warmed.observe(object) }
    let objects = Array(all[cut...])
    var flagged = 0
    let started = ContinuousClock.now
    for _ in 0..<repeats {
        var registry = warmed
        for object in objects where registry.observe(object).anomalous { flagged += 1 }
    }
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    print(
        "detection, \(name): \(objects.count) objects × \(repeats): \(format(seconds / Double(objects.count * repeats))) per object (\(flagged / repeats) flagged per pass)"
    )
case "sources":
    let sources = option("--sources").flatMap(Int.init) ?? 100_000
    let observations = option("--observations").flatMap(Int.init) ?? 20_000
    let result = await sourceContention(sources: sources, observations: observations)
    print("observe() with \(result.sources) sources, \(result.observations) objects one at a time:")
    print("  alone:                           p50 \(format(result.quietP50)), p99 \(format(result.quietP99))")
    print(
        "  every baseline read in a loop:   p50 \(format(result.busyP50)), p99 \(format(result.busyP99)), p99.9 \(format(result.busyP999)), max \(format(result.busyMax)) (\(result.pageReads) reads)"
    )
    try writeJSON(result)
case "sources-bound":
    let files = option("--files").flatMap(Int.init) ?? 200_000
    let bound = option("--bound").flatMap(Int.init) ?? SourceRegistry().maximumSourcesPerBucket
    print("\(files) user-named files into one bucket (EDAL_MAX_SOURCES \(bound)):")
    for row in sourceBound(files: files, bound: bound) {
        print(
            String(
                format:
                    "  after %7d: %5d sources, %4d new_source, %3d source_storm, %3d other source events, %3d shapes, %.1f MB resident",
                row.objects, row.sources, row.announced, row.storms, row.other, row.shapes, row.residentMB))
    }
case "e2e":
    guard let edal = option("--edal"), let objects = option("--objects").flatMap(Int.init),
        let size = option("--object-size").flatMap(Int.init), let label = option("--label"), let work = option("--work")
    else {
        print("usage: edal-bench e2e --edal PATH --objects N --object-size BYTES --label NAME --work DIR [--json PATH]")
        exit(2)
    }
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let result = try await EndToEndBenchmark(
        label: label, objects: objects, objectSize: size, edal: edal,
        workDirectory: URL(fileURLWithPath: work),
        environment: ProcessInfo.processInfo.environment
    ).run()
    let requests = describe(requestsPerObject: result.requestsPerObject)
    print(
        String(
            format:
                "%@: %d objects (%.0f MiB) drained in %.1f s wall (%.0f objects/s); working %.1f s = %.0f objects/s; emulator ceiling %.0f objects/s (%.0f %%)",
            result.label, result.objects, Double(result.objectBytes) / 1_048_576, result.drainSeconds,
            result.objectsPerSecond,
            result.workSeconds, result.workObjectsPerSecond, result.ceilingObjectsPerSecond, 100 * result.shareOfCeiling
        ))
    print(
        String(
            format:
                "  worker CPU %.3f ms/object (%.2f s per 1,000 objects), peak RSS %.1f MB, AWS requests %.3f/object, store round trips %.3f/object, %d signals, %@",
            result.cpuMillisecondsPerObject, result.cpuMillisecondsPerObject, result.peakRSSMegabytes,
            result.awsRequestsPerObject, result.storeRoundTripsPerObject, result.signals,
            result.complete ? "complete" : "INCOMPLETE"))
    print("  requests per object: \(requests)")
    try writeJSON(result)
case "store":
    // The SQLite store alone: claims and completions as the worker batches them, pruned when a
    // retention is given (`--retention 0` keeps every claim: the size per million objects).
    let objects = option("--objects").flatMap(Int.init) ?? 1_000_000
    let batch = option("--batch").flatMap(Int.init) ?? 10
    let retentionSeconds = option("--retention").flatMap(Int.init) ?? 0
    let path =
        option("--path") ?? FileManager.default.temporaryDirectory.appendingPathComponent("edal-bench-store.db").path
    let result = try await StoreBenchmark(
        objects: objects, batch: batch, retention: retentionSeconds > 0 ? .seconds(retentionSeconds) : nil,
        path: path, pruneEvery: max(batch, objects / 100)
    ).run()
    print(
        "SQLite store: \(objects) objects claimed and completed, \(batch) per batch, "
            + (retentionSeconds > 0
                ? "claims kept \(retentionSeconds) s, pruned every \(max(batch, objects / 100)) objects"
                : "claims kept for ever")
            + String(format: ", %.1f s", result.seconds))
    print("  objects     ms/batch   file MB   claims held    pruned   prune ms")
    for sample in result.samples {
        print(
            String(
                format: "  %9d  %9.3f  %8.1f  %12d  %8d  %9.0f", sample.objects, sample.millisecondsPerBatch,
                sample.fileMegabytes,
                sample.claimsHeld, sample.pruned, sample.pruneMilliseconds))
    }
    print(
        String(
            format: "  %.0f bytes per claim held at the end; %.2f store round trips per object (pruning included)",
            result.bytesPerClaim, result.roundTripsPerObject))
    // The same object as MongoDB keeps it: the store's own claim and completion statements applied,
    // encoded by its own BSON encoder (documents only; indexes and WiredTiger's compression aside).
    var sample = StoreBenchmark.request(objects)
    sample.lastModified = Date()
    let retention: Duration? = retentionSeconds > 0 ? .seconds(retentionSeconds) : .seconds(29 * 86_400)
    let quiet = MongoStateStore.storedDocument(
        for: sample, outcome: .notAnomalous, owner: "edal-7f9c4b6d5-x2k8p:1", now: Date(), lease: .seconds(300),
        retention: retention)
    let signalled = MongoStateStore.storedDocument(
        for: sample, outcome: .signalled(signalId: String(repeating: "a", count: 32)),
        owner: "edal-7f9c4b6d5-x2k8p:1", now: Date(), lease: .seconds(300), retention: retention)
    print(
        "  MongoDB, the same claim as its document (\(sample.objectId.utf8.count)-byte _id): \(quiet.encoded().count) bytes of BSON when not anomalous, "
            + "\(signalled.encoded().count) when signalled (with its expiry; the store's own statements and encoder; indexes and compression aside)"
    )
    try writeJSON(result)
case "ceiling":
    // The worker's own ceiling: `edal drain` against the in-memory backend, optionally on one core.
    guard let edal = option("--edal") else {
        print(
            "usage: edal-bench ceiling --edal PATH [--objects N] [--core C] [--perf-data FILE] [--work DIR] [--json PATH]"
        )
        exit(2)
    }
    let work = option("--work") ?? FileManager.default.temporaryDirectory.path
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let result = try await CeilingBenchmark(
        edal: edal, objects: option("--objects").flatMap(Int.init) ?? 50_000,
        workDirectory: URL(fileURLWithPath: work), core: option("--core").flatMap(Int.init),
        perfData: option("--perf-data")
    ).run()
    let requests = describe(requestsPerObject: result.requestsPerObject)
    print(
        String(
            format:
                "worker ceiling (SQLite, in-memory S3/SQS/Kinesis%@): %d objects in %.1f s working (%.1f s wall) = %.0f objects/s",
            result.core.map { ", drain on core \($0)" } ?? "", result.objects, result.workSeconds, result.drainSeconds,
            result.workObjectsPerSecond))
    print(
        String(
            format: "  worker CPU %.3f ms/object = %.0f objects per CPU-second, peak RSS %.1f MB, %d signals, %@",
            result.cpuMillisecondsPerObject, result.objectsPerCPUSecond, result.peakRSSMegabytes, result.signals,
            result.complete ? "complete" : "INCOMPLETE (\(result.deleted) of \(result.objects) deleted)"))
    print("  requests per object: \(requests)")
    if !result.unexpectedRequests.isEmpty {
        print("  requests the backend does not answer: \(result.unexpectedRequests)")
    }
    try writeJSON(result)
default:
    print("usage: edal-bench micro | detect | e2e … | store … | ceiling …")
    exit(2)
}
