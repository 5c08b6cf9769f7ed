// `make bench`: micro-benchmarks of the hot paths and end-to-end runs against the emulators
// (release build). Prints one table and writes the same figures as JSON.
//
//   edal-bench micro [--json PATH]
//   edal-bench detect [--profile NAME] [--repeat N]   (a fourth day's detection alone, for a profiler)
//   edal-bench e2e --edal PATH --objects N --object-size BYTES --label NAME --work DIR [--json PATH]
import EDALTools
import EDALWorker
import EDALDetection
import EDALTools
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
    print("detection, \(name): \(objects.count) objects × \(repeats): \(format(seconds / Double(objects.count * repeats))) per object (\(flagged / repeats) flagged per pass)")
case "e2e":
    guard let edal = option("--edal"), let objects = option("--objects").flatMap(Int.init),
          let size = option("--object-size").flatMap(Int.init), let label = option("--label"), let work = option("--work") else {
        print("usage: edal-bench e2e --edal PATH --objects N --object-size BYTES --label NAME --work DIR [--json PATH]")
        exit(2)
    }
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    let result = try await EndToEndBenchmark(label: label, objects: objects, objectSize: size, edal: edal,
                                             workDirectory: URL(fileURLWithPath: work),
                                             environment: ProcessInfo.processInfo.environment).run()
    let requests = result.requestsPerObject.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ")
    print(String(format: "%@: %d objects (%.0f MiB) drained in %.1f s wall (%.0f objects/s); working %.1f s = %.0f objects/s; emulator ceiling %.0f objects/s (%.0f %%)",
                 result.label, result.objects, Double(result.objectBytes) / 1_048_576, result.drainSeconds, result.objectsPerSecond,
                 result.workSeconds, result.workObjectsPerSecond, result.ceilingObjectsPerSecond, 100 * result.shareOfCeiling))
    print(String(format: "  worker CPU %.3f ms/object (%.2f s per 1,000 objects), peak RSS %.1f MB, AWS requests %.3f/object, store round trips %.3f/object, %d signals, %@",
                 result.cpuMillisecondsPerObject, result.cpuMillisecondsPerObject, result.peakRSSMegabytes, result.awsRequestsPerObject, result.storeRoundTripsPerObject, result.signals,
                 result.complete ? "complete" : "INCOMPLETE"))
    print("  requests per object: \(requests)")
    try writeJSON(result)
default:
    print("usage: edal-bench micro | e2e …")
    exit(2)
}
