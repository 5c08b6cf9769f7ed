import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Anyone who can send to the notification queue can name any bucket: EDAL acts only on the buckets
/// it was given (`EDAL_ALLOWED_BUCKETS`, by default the buckets of `EDAL_WATCH`).
@Suite(
    "bucket allow-list", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct BucketAllowListTests {
    @Test(
        "forged notifications for another bucket, or naming another bucket owner: no request to S3 for them, no claim, no signal, to the DLQ and counted; the allowed bucket works as before"
    )
    func forgedNotificationsAreRejected() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-allow")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 1)
        let keys = try await fixture.generate(5, seed: 43)
        try await fixture.waitForNotifications(keys.count)

        // Another team's bucket that EDAL's role could read, and forged notifications naming its objects.
        let other = "\(fixture.bucket)-other"
        let otherKeys = ["secrets/a.json", "secrets/b.json", "secrets/c.json"]
        let forgedOwnerKeys = ["forged/a.json", "forged/b.json"]
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            let sqs = SQSClient(client: client)
            try await s3.createBucket(other)
            let queueURL = try await sqs.getQueueUrl(fixture.queue)
            for key in otherKeys {
                let put = try await s3.putObject(
                    bucket: other, key: key, body: Array("{}".utf8), metadata: ["token": "do-not-leak"])
                _ = try await sqs.sendMessage(
                    queueURL,
                    body: S3CreatedNotification(bucket: other, key: key, size: 2, eTag: put.eTag, sequencer: "0A1B2C")
                        .body)
            }
            // EventBridge events for the allowed bucket that say it belongs to another account.
            for key in forgedOwnerKeys {
                _ = try await sqs.sendMessage(
                    queueURL,
                    body: """
                        {"version":"0","detail-type":"Object Created","source":"aws.s3","account":"999988887777","region":"us-east-1",                    "detail":{"bucket":{"name":"\(fixture.bucket)"},"object":{"key":"\(key)","size":2,"etag":"0cc175b9c0f1b6a831c399e269772661"},                    "reason":"PutObject"}}
                        """)
            }
        }

        // Every S3 request goes through the proxy, which counts them.
        let s3 = try await FaultProxy.start(service: "s3", upstream: services.s3Endpoint, rules: [])
        // LocalStack's buckets belong to account 000000000000.
        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "20"],
            [
                "EDAL_MODE": "continuous", "AWS_ENDPOINT_URL_S3": s3.endpoint,
                "EDAL_EXPECTED_BUCKET_OWNER": "000000000000",
            ])
        // The forged messages are on their way to the DLQ: the drain says work was left.
        #expect(outcome.status == 2, "\(outcome.errors.suffix(2000))")
        #expect(figures["rejected"] == otherKeys.count, "\(figures)")
        #expect(figures["owner_mismatches"] == forgedOwnerKeys.count, "\(figures)")
        #expect(
            outcome.errors.components(separatedBy: "other than EDAL_EXPECTED_BUCKET_OWNER").count - 1 == 1,
            "\(outcome.errors.suffix(2000))")
        #expect(
            outcome.errors.components(separatedBy: "outside EDAL_ALLOWED_BUCKETS").count - 1 == 1,
            "logged once per bucket: \(outcome.errors.suffix(2000))")
        let stats = try await s3.stats()
        #expect(
            stats.requests == ["s3.HeadObject": keys.count],
            "only the allowed bucket's objects were asked about: \(stats)")

        let signals = try await fixture.streamSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(!signals.contains { $0.evidence.bucket == other })
        #expect(try await fixture.storedClaims(otherKeys + forgedOwnerKeys).isEmpty)
        #expect(!signals.contains { forgedOwnerKeys.contains($0.evidence.key) })
        // maxReceiveCount 1: the next receive moves them to the DLQ.
        let forged = otherKeys.count + forgedOwnerKeys.count
        #expect(try await fixture.receiveUntilDeadLettered(forged) == forged)
    }

    @Test(
        "EDAL_EXPECTED_BUCKET_OWNER rides on every HEAD; a refused HEAD (403) is counted and sent towards the DLQ, not retried in place"
    )
    func expectedBucketOwner() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-owner")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 2)
        let keys = try await fixture.generate(4, seed: 47)
        try await fixture.waitForNotifications(keys.count)

        // S3 answers 403 when the bucket's account is not the one expected (the proxy stands in for
        // that check); EDAL sends the header on every HEAD.
        let s3 = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint,
            rules: [
                .init(operation: "s3.HeadObject", fault: "forbidden")
            ])
        let clock = ContinuousClock()
        let started = clock.now
        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "15"],
            [
                "EDAL_MODE": "continuous", "AWS_ENDPOINT_URL_S3": s3.endpoint,
                "EDAL_EXPECTED_BUCKET_OWNER": "111122223333",
            ])
        let took = clock.now - started
        let stats = try await s3.stats()
        #expect(stats.expectedOwners == ["111122223333": stats.requests["s3.HeadObject", default: -1]], "\(stats)")
        #expect(figures["refused_heads"] >= keys.count, "\(figures)")
        // Not a retry loop: one HEAD per receive (the HTTP layer does not retry a 403 either), and
        // with maxReceiveCount 2 at most two receives before the DLQ.
        #expect(stats.requests["s3.HeadObject", default: 0] <= keys.count * 2, "\(stats)")
        #expect(outcome.errors.contains("S3 refused the HEAD"), "\(outcome.errors.suffix(2000))")
        #expect(try await fixture.streamSignals().isEmpty)
        #expect(took < .seconds(60), "the drain spun on refusals for \(took)")
        // Every message ends in the DLQ (one more receive moves the last ones there).
        #expect(try await fixture.receiveUntilDeadLettered(keys.count) == keys.count)
    }
}
