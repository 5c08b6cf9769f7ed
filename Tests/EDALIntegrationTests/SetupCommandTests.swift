import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// `edal setup` as a user runs it on a bucket that is not EDAL's alone, and runs it again.
@Suite(
    "edal setup", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct SetupCommandTests {
    @Test(
        "run twice on a bucket that already notifies another team: both destinations kept, the backlog untouched, every object notified and signalled once"
    )
    func setupTwiceKeepsOtherDestinations() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-setup")
        defer { Task { await fixture.discardStore() } }
        let otherQueue = "\(fixture.queue)-other-team"

        // Another team already hears about deletions in the bucket.
        let otherURL = try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            let sqs = SQSClient(client: client)
            try await s3.createBucket(fixture.bucket)
            let url = try await sqs.createQueue(otherQueue)
            let arn = try #require(
                try await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.queueArn])[SQSQueueAttribute.queueArn])
            try await s3.putBucketNotificationConfiguration(
                fixture.bucket,
                S3NotificationConfiguration(queueConfigurations: [
                    .init(id: "other-team", queueArn: arn, events: ["s3:ObjectRemoved:*"])
                ]))
            return url
        }

        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 3)
        let first = try await fixture.generate(5, seed: 29)
        try await fixture.waitForNotifications(first.count)
        let backlog = try await fixture.messages(in: fixture.queue)

        // Again, as a user does after changing nothing (or to be sure): the backlog stays.
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 3)
        #expect(try await fixture.messages(in: fixture.queue) == backlog)
        // And the bucket notifies once per object, not once per setup.
        let second = try await fixture.generate(5, seed: 31, firstIndex: 5)
        // (It returns once the count has stood at least there for 3 s: a doubled notification would show.
        // LocalStack sends every bucket's notifications from one pool of three threads, so while another
        // test uploads thousands of objects ours can wait behind them for a minute or more.)
        try await fixture.waitForNotifications(backlog + second.count, timeout: .seconds(180))
        #expect(try await fixture.messages(in: fixture.queue) == backlog + second.count)

        let document = try await fixture.withClient {
            try await S3Client(client: $0).bucketNotificationConfiguration(fixture.bucket)
        }
        let ids = document.children("QueueConfiguration").compactMap { $0.text(of: "Id") }
        #expect(ids.sorted() == ["edal-object-created", "other-team"], "\(document)")

        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "30"], ["EDAL_MODE": "continuous", "EDAL_LOG_LEVEL": "info"])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        #expect(figures["objects"] == first.count + second.count, "\(figures)")
        // The claim retention window, read from the queues `edal setup` made (14 days each) and the sweep's 1 h look-back.
        #expect(
            outcome.errors.contains(
                "claims are kept 29.0 days (queue retention 14.0 d + dead-letter retention 14.0 d + sweep horizon 0.0 d + 1 day)"
            ),
            "\(outcome.errors.prefix(3000))")
        let signals = try await fixture.streamSignals()
        #expect(signals.count == first.count + second.count)
        #expect(Set(signals.map(\.evidence.key)) == Set(first + second))

        // The other team's destination still works: a deletion reaches its queue.
        try await fixture.withClient { client in
            try await S3Client(client: client).deleteObject(bucket: fixture.bucket, key: first[0])
            let sqs = SQSClient(client: client)
            var heard = false
            let deadline = ContinuousClock.now + .seconds(180)
            while !heard, ContinuousClock.now < deadline {
                heard = try await sqs.receiveMessage(otherURL, maximumMessages: 10, waitTimeSeconds: 1)
                    .contains { $0.body.contains("ObjectRemoved") && $0.body.contains(first[0]) }
            }
            #expect(heard, "the other team's queue never heard of the deletion")
        }
    }
}
