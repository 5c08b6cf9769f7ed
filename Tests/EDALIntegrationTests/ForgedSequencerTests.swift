import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// A forged notification whose sequencer is longer than any S3 writes cannot make later genuine
/// events of its key stale: it is refused as malformed, and the genuine write is signalled.
@Suite(
    "forged sequencer", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct ForgedSequencerTests {
    @Test("a 40-digit forged sequencer goes to the DLQ; the key's genuine write after it is signalled, not stale")
    func forgedLongSequencer() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-forged-seq")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 1)
        let key = "logs/app/2026/12/07/forged-target.json"
        try await fixture.withClient { client in
            let sqs = SQSClient(client: client)
            // 40 hex digits: padded to 32 it would have sorted after every sequencer S3 writes.
            _ = try await sqs.sendMessage(
                try await sqs.getQueueUrl(fixture.queue),
                body: S3CreatedNotification(
                    bucket: fixture.bucket, key: key, size: 2, eTag: "0cc175b9c0f1b6a831c399e269772661",
                    sequencer: String(repeating: "F", count: 40)
                ).body)
        }
        let (forged, forgedFigures) = try await fixture.drain(["--idle-timeout", "8"], ["EDAL_MODE": "continuous"])
        #expect(forgedFigures["malformed"] == 1, "\(forgedFigures) \(forged.errors.suffix(1500))")
        #expect(forged.errors.contains("sequencer"), "the reason names the sequencer: \(forged.errors.suffix(1500))")
        #expect(try await fixture.receiveUntilDeadLettered(1) == 1, "the forged message is in the DLQ")

        // The genuine write of the same key, notified by S3 with its own (shorter) sequencer.
        try await fixture.withClient { client in
            _ = try await S3Client(client: client).putObject(
                bucket: fixture.bucket, key: key, body: Array("{\"genuine\":true}".utf8),
                contentType: "application/json")
        }
        try await fixture.waitForNotifications(1)
        let (genuine, figures) = try await fixture.drain(["--idle-timeout", "8"], ["EDAL_MODE": "continuous"])
        #expect(figures["stale"] == 0, "\(figures)")
        let signals = try await fixture.streamSignals()
        #expect(signals.map(\.evidence.key) == [key], "\(signals.map(\.evidence.key)) \(genuine.errors.suffix(1500))")
    }
}
