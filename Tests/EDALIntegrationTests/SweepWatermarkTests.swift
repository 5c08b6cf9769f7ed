import EDALDetection
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker

/// A claim store that answers "another worker holds it" for one key and passes every other claim
/// to the real store: an object the sweep can never finish.
final class StoreHoldingOneKey: ClaimStore {
    let base: any ClaimStore
    let heldKey: String
    init(base: any ClaimStore, heldKey: String) {
        self.base = base
        self.heldKey = heldKey
    }

    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome] {
        let passed = requests.filter { $0.key != heldKey }
        var answers = try await base.claim(passed, owner: owner, lease: lease).makeIterator()
        return requests.map { $0.key == heldKey ? .inProgress : (answers.next() ?? .duplicate) }
    }
    func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] { try await base.complete(completions) }
    func release(_ tickets: [ClaimTicket]) async throws { try await base.release(tickets) }
    func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool] {
        try await base.renew(tickets, lease: lease)
    }
    func storedClaim(bucket: String, key: String) async throws -> StoredClaim? {
        try await base.storedClaim(bucket: bucket, key: key)
    }
}

@Suite(
    "sweep watermark", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct SweepWatermarkTests {
    @Test(
        "an object the sweep cannot finish holds the watermark at its own write, not at the sweep's start, until the give-up age",
        arguments: StoreUnderTest.all)
    func unfinishedObjectHoldsOnlyItself(_ kind: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: kind, name: "edal-watermark")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        try await fixture.withClient { client in
            try await S3Client(client: client).putBucketNotificationConfiguration(
                fixture.bucket, S3NotificationConfiguration(queueConfigurations: []))
        }
        let opened = try await StateStoreFactory.open(uri: fixture.storeURI)
        defer { Task { await opened.close() } }
        let holding = StoreHoldingOneKey(base: opened, heldKey: "held.json")

        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for index in 0..<5 {
                _ = try await s3.putObject(bucket: fixture.bucket, key: "before-\(index).json", body: Array("{}".utf8))
            }
            try await Task.sleep(for: .milliseconds(1_100))
            _ = try await s3.putObject(bucket: fixture.bucket, key: "held.json", body: Array("{}".utf8))
            let held = try #require(try await s3.headObject(bucket: fixture.bucket, key: "held.json")?.lastModified)
            try await Task.sleep(for: .milliseconds(1_100))
            for index in 0..<5 {
                _ = try await s3.putObject(bucket: fixture.bucket, key: "after-\(index).json", body: Array("{}".utf8))
            }

            let publisher = SignalPublisher(
                kinesis: KinesisClient(client: client), sqs: SQSClient(client: client), streamName: fixture.stream,
                fallbackQueueURL: nil)
            let pipeline = ObjectPipeline(
                s3: s3, store: holding, publisher: publisher,
                sources: SourceTracker(registry: SourceRegistry(), store: nil),
                mode: .continuous, statistics: WorkerStatistics(), owner: "test")
            var sweep = Sweep(
                s3: s3, store: opened, pipeline: pipeline, locations: [WatchedLocation(bucket: fixture.bucket)])
            let now = Date()
            let first = try #require(await sweep.runOnce(now: now).first)
            #expect(first.candidates == 11 && first.unfinished == 1 && first.abandoned == 0, "\(first)")
            let watermark = try #require(try await opened.watermark(bucket: fixture.bucket, prefix: ""))
            // Just before the held object's write: only it (and the overlap) is listed again.
            #expect(
                watermark < held && watermark >= held.addingTimeInterval(-2),
                "watermark \(watermark), held object \(held)")

            // Past the give-up age the object no longer holds the watermark, and everything is
            // finished: it moves to when S3 answered the listing, on S3's clock — not to the sweep's
            // "now", which here runs a sweep interval (15 minutes) ahead, as a skewed worker's would.
            sweep.giveUpAfter = .zero
            let later = now.addingTimeInterval(sweep.interval.seconds)
            let secondStarted = Date()
            let second = try #require(await sweep.runOnce(now: later).first)
            #expect(second.abandoned == 1, "\(second)")
            let moved = try #require(try await opened.watermark(bucket: fixture.bucket, prefix: ""))
            #expect(moved >= held, "\(moved) \(held)")
            #expect(
                moved <= Date() && moved >= secondStarted.addingTimeInterval(-3),
                "\(moved): S3's time of the listing, not the sweep's \(later)")
        }
    }
}
