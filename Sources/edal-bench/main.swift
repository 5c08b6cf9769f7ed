// `make bench`: micro-benchmarks of the hot paths and end-to-end runs against the emulators
// (release build). Prints one table and writes the same figures as JSON.
//
//   edal-bench micro [--json PATH]
//   edal-bench e2e --edal PATH --objects N --object-size BYTES --label NAME --work DIR [--json PATH]
import EDALCore
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
