@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker
import EDALDetection
import Foundation
import Testing

/// A store that answers "another worker holds it" for one key and passes everything else to the
/// real store: an object the sweep can never finish.
final class StoreHoldingOneKey: StateStore {
    let base: any StateStore
    let heldKey: String
    init(base: any StateStore, heldKey: String) {
        self.base = base
        self.heldKey = heldKey
    }

    var displayName: String { base.displayName }
    var roundTrips: UInt64 { base.roundTrips }
    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome] {
        let passed = requests.filter { $0.key != heldKey }
        var answers = try await base.claim(passed, owner: owner, lease: lease).makeIterator()
        return requests.map { $0.key == heldKey ? .inProgress : (answers.next() ?? .duplicate) }
    }
    func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] { try await base.complete(completions) }
    func release(_ tickets: [ClaimTicket]) async throws { try await base.release(tickets) }
    func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool] { try await base.renew(tickets, lease: lease) }
    func storedClaim(bucket: String, key: String) async throws -> StoredClaim? { try await base.storedClaim(bucket: bucket, key: key) }
    func acquireLease(_ name: String, owner: String, ttl: Duration) async throws -> Lease? {
        try await base.acquireLease(name, owner: owner, ttl: ttl)
    }
    func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool { try await base.renewLease(lease, ttl: ttl) }
    func releaseLease(_ lease: Lease) async throws { try await base.releaseLease(lease) }
    func ping() async throws { try await base.ping() }
    func watermark(bucket: String, prefix: String) async throws -> Date? { try await base.watermark(bucket: bucket, prefix: prefix) }
    func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date {
        try await base.advanceWatermark(bucket: bucket, prefix: prefix, to: date)
    }
    func saveModel(_ model: StoredModel) async throws -> Bool { try await base.saveModel(model) }
    func loadModel(named name: String) async throws -> StoredModel? { try await base.loadModel(named: name) }
    func saveModels(_ models: [StoredModel]) async throws -> [Bool] { try await base.saveModels(models) }
    func loadModels(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws -> [StoredModel] {
        try await base.loadModels(prefix: prefix, savedSince: savedSince, after: after, limit: limit)
    }
    func close() async { await base.close() }
}

@Suite("sweep watermark", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct SweepWatermarkTests {
    @Test("an object the sweep cannot finish holds the watermark at its own write, not at the sweep's start, until the give-up age",
          arguments: StoreUnderTest.all)
    func unfinishedObjectHoldsOnlyItself(_ kind: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: kind, name: "edal-watermark")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        try await fixture.withClient { client in
            try await S3Client(client: client).putBucketNotificationConfiguration(fixture.bucket, S3NotificationConfiguration(queueConfigurations: []))
        }
        let opened = try await StateStoreFactory.open(uri: fixture.storeURI)
        defer { Task { await opened.close() } }
        let store = StoreHoldingOneKey(base: opened, heldKey: "held.json")

        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for index in 0..<5 { _ = try await s3.putObject(bucket: fixture.bucket, key: "before-\(index).json", body: Array("{}".utf8)) }
            try await Task.sleep(for: .milliseconds(1_100))
            _ = try await s3.putObject(bucket: fixture.bucket, key: "held.json", body: Array("{}".utf8))
            let held = try #require(try await s3.headObject(bucket: fixture.bucket, key: "held.json")?.lastModified)
            try await Task.sleep(for: .milliseconds(1_100))
            for index in 0..<5 { _ = try await s3.putObject(bucket: fixture.bucket, key: "after-\(index).json", body: Array("{}".utf8)) }

            let publisher = SignalPublisher(kinesis: KinesisClient(client: client), sqs: SQSClient(client: client), streamName: fixture.stream,
                                            fallbackQueueURL: nil)
            let pipeline = ObjectPipeline(s3: s3, store: store, publisher: publisher, sources: SourceTracker(registry: SourceRegistry(), store: nil),
                                          mode: .continuous, statistics: WorkerStatistics(), owner: "test")
            var sweep = Sweep(s3: s3, store: store, pipeline: pipeline, locations: [WatchedLocation(bucket: fixture.bucket)])
            let now = Date()
            let first = try #require(await sweep.runOnce(now: now).first)
            #expect(first.candidates == 11 && first.unfinished == 1 && first.abandoned == 0, "\(first)")
            let watermark = try #require(try await store.watermark(bucket: fixture.bucket, prefix: ""))
            // Just before the held object's write: only it (and the overlap) is listed again.
            #expect(watermark < held && watermark >= held.addingTimeInterval(-2), "watermark \(watermark), held object \(held)")

            // Past the give-up age the object no longer holds the watermark, and everything is
            // finished: it moves to when S3 answered the listing, on S3's clock — not to the sweep's
            // "now", which here runs a sweep interval (15 minutes) ahead, as a skewed worker's would.
            sweep.giveUpAfter = .zero
            let later = now.addingTimeInterval(sweep.interval.seconds)
            let secondStarted = Date()
            let second = try #require(await sweep.runOnce(now: later).first)
            #expect(second.abandoned == 1, "\(second)")
            let moved = try #require(try await store.watermark(bucket: fixture.bucket, prefix: ""))
            #expect(moved >= held, "\(moved) \(held)")
            #expect(moved <= Date() && moved >= secondStarted.addingTimeInterval(-3), "\(moved): S3's time of the listing, not the sweep's \(later)")
        }
    }
}
