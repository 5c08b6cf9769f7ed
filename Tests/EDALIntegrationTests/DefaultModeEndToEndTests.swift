import Foundation
import Testing

@testable import EDALWorker

/// The mode users run by default, `EDAL_MODE=anomalies`, end to end: only objects judged anomalous
/// reach the stream; the rest are completed in the store without a signal, and both are counted.
@Suite(
    "default mode end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct DefaultModeEndToEndTests {
    @Test("only anomalous objects are signalled; normal ones are completed without a signal and counted")
    func onlyAnomaliesSignalled() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-default")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 30, maxReceiveCount: 5)

        // Our generator's MELT objects, 20 sources × 24 objects, one in ten with an injected anomaly.
        let truth = try await fixture.generateWithTruth(480, seed: 11, anomalyRate: 0.1)
        let keys = truth.map(\.key)
        try await fixture.waitForNotifications(keys.count)
        // No EDAL_MODE: the default. A short learning period, so most objects are judged.
        let (outcome, figures) = try await fixture.drain(["--idle-timeout", "20"], ["EDAL_LEARNING_OBJECTS": "8"])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        #expect(figures["objects"] == keys.count, "\(figures)")

        // Only object signals for anomalies reach the stream: as many as the drain counted, one each.
        let signals = try await fixture.streamSignals()
        let signalled = Set(signals.map(\.evidence.key))
        #expect(signals.count == figures["anomalies"], "\(figures)")
        #expect(signalled.count == signals.count)
        #expect(
            !signalled.isEmpty && signalled.count < keys.count / 4,
            "\(signalled.count) of \(keys.count) signalled: the default mode signals anomalies, not everything")
        #expect(
            signals.allSatisfy { $0.detector.mode == .anomalies && $0.anomalous && !$0.reasons.isEmpty },
            "every signal says why")

        // Every object is done in the store: `signalled` exactly for the signalled ones, `not_anomalous` for the rest.
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.count == keys.count)
        #expect(claims.values.allSatisfy { $0.status == .done })
        let signalledInStore = Set(claims.filter { $0.value.outcome == "signalled" }.map(\.key))
        #expect(signalledInStore == signalled, "\(difference(signalledInStore, signalled))")
        #expect(claims.values.filter { $0.outcome == "not_anomalous" }.count == keys.count - signalled.count)

        // What is signalled is mostly what the generator injected.
        let injected = Set(truth.filter(\.anomalous).map(\.key))
        let truePositives = signalled.intersection(injected).count
        #expect(
            Double(truePositives) >= 0.7 * Double(signalled.count),
            "\(truePositives) of \(signalled.count) signals are injected anomalies (\(injected.count) injected)")

        // Nothing left in the queue, nothing in the DLQ.
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }
}
