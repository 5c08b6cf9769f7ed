// Micro-benchmarks of EDAL's hot paths. Run with `make bench` (release build); prints one table.
import EDALCore
import Foundation

/// Runs `body` `iterations` times after a warm-up and returns the mean seconds per iteration.
func measure(iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<max(1, iterations / 10) { try body() }
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<iterations { try body() }
    let elapsed = clock.now - started
    let (seconds, attoseconds) = elapsed.components
    return (Double(seconds) + Double(attoseconds) / 1e18) / Double(iterations)
}

func format(_ seconds: Double) -> String {
    if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
    return String(format: "%.2f µs", seconds * 1e6)
}

var rows: [(String, String)] = []

// IsolationForest: 100 trees on ψ = 256 out of 2,000 rows of 6 features.
var random = SeededRandom(seed: 1)
let training = (0..<2_000).map { _ in (0..<6).map { _ in random.normal() } }
var forest: IsolationForest?
let trainSeconds = try measure(iterations: 20) { forest = try IsolationForest.train(training, parameters: .init(seed: 3)) }
rows.append(("IsolationForest training, 100 trees × ψ 256, 6 features", format(trainSeconds)))
if let forest {
    var sink = 0.0
    let probes = (0..<1_000).map { _ in (0..<6).map { _ in random.normal(deviation: 2) } }
    let scoreSeconds = measure(iterations: 200) { for probe in probes { sink += forest.score(probe) } } / 1_000
    rows.append(("IsolationForest score per object", format(scoreSeconds)))
    if sink.isNaN { print("") }
}

// The whole detection of one object from its HEAD metadata (features, checks, score, reasons).
let generator = SyntheticMELT(options: .init(seed: 2, objectSize: 4 * 1024, anomalyRate: 0))
var samples: [TelemetryKind: [KindModel.Sample]] = [:]
for index in 0..<1_500 {
    let object = generator.object(at: index)
    samples[object.kind, default: []].append(.init(metadata: object.metadata, contentLength: Int64(object.body.count)))
}
var models: [TelemetryKind: KindModel] = [:]
for (kind, kindSamples) in samples { models[kind] = try KindModel.train(kind: kind, samples: kindSamples, version: 1) }
let detector = Detector(models: models)
let heads = (1_500..<2_500).map { generator.object(at: $0) }.map { ($0.key, $0.metadata, Int64($0.body.count)) }
var flagged = 0
let detectSeconds = measure(iterations: 50) {
    for head in heads where detector.detect(key: head.0, metadata: head.1, contentLength: head.2).anomalous { flagged += 1 }
} / Double(heads.count)
rows.append(("Detection per object (features, checks, score, reasons)", format(detectSeconds)))
let extractSeconds = measure(iterations: 50) {
    for head in heads { _ = FeatureExtractor.extract(kind: .logs, metadata: head.1, contentLength: head.2, spec: FeatureSpec.standard(for: .logs)) }
} / Double(heads.count)
rows.append(("Feature extraction per object", format(extractSeconds)))

let width = rows.map(\.0.count).max() ?? 0
print("EDAL micro-benchmarks (release, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
for (name, value) in rows {
    print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
}
