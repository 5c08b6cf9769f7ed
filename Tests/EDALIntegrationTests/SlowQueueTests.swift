import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// SQS slow rather than down: its answers to visibility extensions and deletes held back far longer
/// than a request's time limit, while both sinks fail for minutes and the work is held.
@Suite("a slow queue", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct SlowQueueTests {
    @Test(
        "answers to ChangeMessageVisibilityBatch and DeleteMessageBatch held 40 s, visibility 30 s, the sink failing 3 minutes: no message is received twice, every object signalled once"
    )
    func heldMessagesStayHidden() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-slow-sqs")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 30, maxReceiveCount: 5)
        // S3's test event first, as S3 sends it when the notification is configured (`setUp` removes
        // that one): deleting it is the batch's first call, answered late.
        try await fixture.withClient { client in
            let sqs = SQSClient(client: client)
            _ = try await sqs.sendMessage(
                try await sqs.getQueueUrl(fixture.queue), body: s3TestEventBody(bucket: fixture.bucket))
        }
        let keys = try await fixture.generate(8, seed: 41)
        try await fixture.waitForNotifications(keys.count + 1)
        // SQS applies each call at once (the proxy forwards it) and answers 40 s later, while the
        // work is held: the batch's first call (deleting S3's test event) and every extension. The
        // deletes answer in time again before the sink is back, so the drain can see its work done.
        let sqs = try await FaultProxy.start(
            service: "sqs", upstream: services.sqsEndpoint,
            rules: [
                .init(operation: "sqs.ChangeMessageVisibilityBatch", fault: "delay", seconds: 40, during: 200),
                .init(operation: "sqs.DeleteMessageBatch", fault: "delay", seconds: 40, during: 150),
            ])
        let kinesis = try await FaultProxy.start(
            service: "kinesis", upstream: services.kinesisEndpoint,
            rules: [.init(operation: "kinesis.PutRecords", fault: "error500", during: 180)])
        let (drained, figures) = try await fixture.drain(
            ["--idle-timeout", "240"],
            [
                "EDAL_MODE": "continuous", "EDAL_VISIBILITY_TIMEOUT": "30", "EDAL_FALLBACK_QUEUE": "",
                "AWS_ENDPOINT_URL_SQS": sqs.endpoint, "AWS_ENDPOINT_URL_KINESIS": kinesis.endpoint,
            ])
        #expect(drained.status == 0, "\(drained.errors.suffix(3000))")
        let stats = try await sqs.stats()
        #expect(stats.injected(into: "sqs.ChangeMessageVisibilityBatch") >= 8, "extensions went on: \(stats.injected)")
        #expect(try await kinesis.stats().injected(into: "kinesis.PutRecords") > 0)
        // Each message received once: none reappeared while its work was held.
        #expect(figures["messages_received"] == keys.count + figures["test_events"], "\(figures)")
        try await fixture.expectEachSignalledOnce(keys)
    }
}
