import ArgumentParser
import EDALCore
import Foundation

/// `edal evaluate`: measures the detector on synthetic data with known anomalies.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Train on a clean synthetic baseline, score fresh synthetic objects, print precision, recall and ROC AUC per anomaly shape."
    )

    @Option(help: "Seed of the synthetic data and the model.") var seed: UInt64 = 7
    @Option(help: "Normal objects to train on.") var baseline: Int = 2_000
    @Option(help: "Objects to score.") var objects: Int = 4_000
    @Option(help: "Share of scored objects carrying an anomaly.") var anomalyRate: Double = 0.05
    @Option(help: "Body size of a normal object in bytes.") var objectSize: Int = 8 * 1024
    @Option(help: "Score threshold for the per-shape figures.") var threshold: Double = Detector.Configuration().scoreThreshold
    @Option(help: "Rules, e.g. \"logs:error-rate > 0.05; traces:latency-p99-ms > 2000\".") var rules: String = ""

    func run() throws {
        let evaluation = DetectorEvaluation(options: .init(
            seed: seed, baselineObjects: baseline, testObjects: objects, anomalyRate: anomalyRate, objectSize: objectSize
        ))
        var configuration = Detector.Configuration(scoreThreshold: threshold)
        do {
            configuration.rules = try AnomalyRule.parseList(rules)
        } catch {
            throw ValidationError(error.description)
        }
        let started = Date()
        let report = try evaluation.run(configuration: configuration)
        let seconds = Date().timeIntervalSince(started)

        print("seed \(seed): trained on \(baseline) normal objects, scored \(objects) (anomaly rate \(anomalyRate)), threshold \(threshold), \(String(format: "%.1f", seconds)) s")
        print("")
        print("shape              count  recall  precision  score AUC")
        for result in report.shapes + [report.overall] {
            let name = (result.shape?.rawValue ?? "all anomalies").padding(toLength: 17, withPad: " ", startingAt: 0)
            let auc = result.scoreAUC.map { String(format: "%.3f", $0) } ?? "  -  "
            print("\(name)  \(String(format: "%5d  %6.3f  %9.3f  %9@", result.count, result.recall, result.precision, auc))")
        }
        print(String(format: "false positive rate on normal objects: %.4f", report.falsePositiveRate))
        print("")
        print("threshold  precision  recall  false positive rate")
        for row in report.thresholds {
            print(String(format: "%9.2f  %9.3f  %6.3f  %19.4f", row.threshold, row.precision, row.recall, row.falsePositiveRate))
        }
    }
}
