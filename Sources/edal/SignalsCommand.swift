import ArgumentParser
import EDALAWS
import EDALTools
import EDALWorker
import Foundation

/// `edal signals`: what EDAL published — counts, a few examples, and the detection quality against a generator manifest.
struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract:
            "Read the signals in the Kinesis stream (and the fallback queue), show examples, and score them against a manifest from `edal generate`."
    )

    @Option(help: "Kinesis stream; \"\" to skip.") var stream: String = "edal-signals"
    @Option(help: "Fallback queue name or URL; \"\" to skip. Its messages are left in place.") var fallbackQueue:
        String = "edal-signals-fallback"
    @Option(help: "The ground truth written by `edal generate` (repeat for several).") var manifest: [String] = []
    @Option(help: "Examples to print.") var examples: Int = 3

    func run() async throws {
        let aws = try resolvedAWSConfiguration()
        let client = AWSClient(configuration: aws)
        let sqs = SQSClient(client: client)
        let reader = SignalReader(kinesis: KinesisClient(client: client), sqs: sqs)
        var fromStream: [Signal] = []
        var fromQueue: [Signal] = []
        do {
            if !stream.isEmpty { fromStream = try await reader.streamSignals(stream) }
            if !fallbackQueue.isEmpty {
                fromQueue = try await reader.queueSignals(try await EDALRuntimeQueue.resolve(fallbackQueue, sqs: sqs))
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()

        let all = fromStream + fromQueue
        let unique = Dictionary(all.map { ($0.signalId, $0) }, uniquingKeysWith: { first, _ in first })
        print(
            "signals: \(fromStream.count) in Kinesis, \(fromQueue.count) in the fallback queue, \(unique.count) distinct signal ids"
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        for signal in unique.values.sorted(by: { ($0.score ?? 0) > ($1.score ?? 0) }).prefix(examples) {
            print("")
            print(String(decoding: try encoder.encode(signal), as: UTF8.self))
        }

        guard !manifest.isEmpty else { return }
        var entries: [SyntheticUpload.ManifestEntry] = []
        for file in manifest {
            entries += try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(SyntheticUpload.ManifestEntry.self, from: Data($0.utf8))
            }
        }
        // Object signals only: source events (new, silent, resumed, burst) point at a source's last object.
        let flagged = Set(unique.values.filter { $0.anomalous && !$0.isSourceEvent }.map(\.evidence.key))
        let events = unique.values.filter(\.isSourceEvent)
        print(
            "source events: "
                + Dictionary(grouping: events, by: \.check).map { "\($0.key) \($0.value.count)" }.sorted().joined(
                    separator: ", "))
        let truth = Set(entries.filter(\.anomalous).map(\.key))
        let hits = flagged.intersection(truth).count
        let precision = flagged.isEmpty ? 0 : Double(hits) / Double(flagged.count)
        let recall = truth.isEmpty ? 0 : Double(hits) / Double(truth.count)
        print("")
        print(
            "detection quality against \(manifest.joined(separator: ", ")) (\(entries.count) objects, \(truth.count) with injected anomalies):"
        )
        print(
            String(
                format:
                    "  flagged %d, correct %d: precision %.3f, recall %.3f, false positives %d (%.2f%% of normal objects)",
                flagged.count, hits, precision, recall, flagged.count - hits,
                100 * Double(flagged.count - hits) / Double(max(1, entries.count - truth.count))))
        var byShape: [String: (total: Int, found: Int)] = [:]
        for entry in entries where entry.anomalous {
            let shape = entry.label ?? "?"
            byShape[shape, default: (0, 0)].total += 1
            if flagged.contains(entry.key) { byShape[shape, default: (0, 0)].found += 1 }
        }
        for (shape, figures) in byShape.sorted(by: { $0.key < $1.key }) {
            print(
                "  \(shape.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%3d of %3d found", figures.found, figures.total))"
            )
        }
    }
}
