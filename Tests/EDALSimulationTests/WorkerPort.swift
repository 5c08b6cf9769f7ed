import Foundation
import NIOConcurrencyHelpers

@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker

/// One worker process's connections to the simulated services. Every call takes a seeded latency
/// before and after its effect; once the process is killed, calls fail without effect, and a call
/// in flight may have had its effect with the answer lost — as when a process dies mid-request.
final class WorkerPort: QueueService, ObjectHeadService, ObjectListingService, RecordStreamService, StateStore,
    @unchecked Sendable
{
    struct Killed: Error {}

    let world: SimulatedWorld
    let name: String
    /// How far this worker's clock is ahead of the store's (seconds).
    var clockSkew: TimeInterval = 0
    private let killed = NIOLockedValueBox(false)

    init(world: SimulatedWorld, name: String) {
        self.world = world
        self.name = name
    }

    func kill() { killed.withLockedValue { $0 = true } }
    var isKilled: Bool { killed.withLockedValue { $0 } }

    /// Latency, the effect, latency; `Killed` before the effect or instead of its answer.
    private func call<T>(_ effect: () throws -> T) async throws -> T {
        try await pause()
        let value = try effect()
        try await pause()
        return value
    }

    private func pause() async throws {
        if isKilled { throw Killed() }
        let scheduler = world.scheduler
        try await scheduler.sleep(for: .milliseconds(scheduler.random(40)))
        if isKilled { throw Killed() }
    }

    private func down(_ service: SimulatedWorld.Service) -> AWSServiceError {
        AWSServiceError(
            service: service == .s3 ? .s3 : service == .kinesis ? .kinesis : .sqs, operation: service.rawValue,
            code: "ServiceUnavailable", message: "simulated outage", statusCode: 503)
    }

    // MARK: QueueService

    func receiveMessages(_ queueUrl: String, maximumMessages: Int, waitTimeSeconds: Int, visibilityTimeout: Int?)
        async throws -> [SQSMessage]
    {
        // A long poll: what is visible now, or after waiting for it, up to `waitTimeSeconds`.
        var waited = Duration.zero
        while true {
            let messages = try await call {
                if world.isDown(.sqs) { throw down(.sqs) }
                return world.receive(max: maximumMessages, visibility: visibilityTimeout ?? 30)
            }
            if !messages.isEmpty || waited >= .seconds(waitTimeSeconds) { return messages }
            try await world.scheduler.sleep(for: .milliseconds(500))
            waited += .milliseconds(500)
        }
    }

    func deleteMessageBatch(_ queueUrl: String, entries: [SQSDeleteEntry]) async throws -> SQSBatchResult {
        try await call {
            if world.isDown(.sqs) { throw down(.sqs) }
            return world.delete(entries)
        }
    }

    func changeMessageVisibilityBatch(_ queueUrl: String, entries: [SQSVisibilityEntry]) async throws -> SQSBatchResult
    {
        try await call {
            if world.isDown(.sqs) { throw down(.sqs) }
            return world.changeVisibility(entries)
        }
    }

    func sendMessageBatch(_ queueUrl: String, entries: [SQSSendEntry]) async throws -> SQSBatchResult {
        try await call {
            if world.isDown(.fallback) { throw down(.fallback) }
            var ok: [String] = []
            var failed: [SQSBatchFailure] = []
            for entry in entries {
                if world.record(Data(entry.messageBody.utf8), via: "fallback") {
                    ok.append(entry.id)
                } else {
                    failed.append(
                        SQSBatchFailure(id: entry.id, code: "InvalidMessageContents", message: nil, senderFault: true))
                }
            }
            return SQSBatchResult(successfulIds: ok, failed: failed, messageIds: [:])
        }
    }

    func getQueueAttributes(_ queueUrl: String, names: [String]) async throws -> [String: String] {
        try await call {
            if world.isDown(.sqs) { throw down(.sqs) }
            return [
                "RedrivePolicy": "{\"maxReceiveCount\":\"\(world.maxReceiveCount)\"}",
                "ApproximateNumberOfMessages": String(world.queueDepth),
                "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
            ]
        }
    }

    // MARK: ObjectHeadService

    func headObject(bucket: String, key: String, versionId: String?, region: String?) async throws -> S3ObjectHead? {
        try await call {
            if world.isDown(.s3) { throw down(.s3) }
            // With a version id, that version (in a versioned bucket it outlives overwrites and deletes).
            guard let write = versionId.map({ world.version(key, $0) }) ?? world.current(key) else { return nil }
            let written = world.scheduler.epoch.addingTimeInterval(write.at.secondsDouble.rounded(.down))
            return S3ObjectHead(
                bucket: bucket, key: key, contentLength: 100, eTag: write.eTag, lastModified: written,
                contentType: "application/json", versionId: write.versionId)
        }
    }

    // MARK: ObjectListingService

    func listObjectsV2(
        bucket: String, prefix: String?, startAfter: String?, continuationToken: String?,
        delimiter: String?, maxKeys: Int?
    ) async throws -> S3ListObjectsPage {
        try await call {
            if world.isDown(.s3) { throw down(.s3) }
            // Pages of 7, so the sweep reads several.
            let all = world.listing(prefix: prefix)
            let start = continuationToken.flatMap(Int.init) ?? 0
            let end = min(all.count, start + 7)
            // S3's own clock, whole seconds, in the Date header.
            let answered = world.scheduler.epoch.addingTimeInterval(world.scheduler.now.secondsDouble.rounded(.down))
            return S3ListObjectsPage(
                objects: Array(all[start..<end]), commonPrefixes: [], isTruncated: end < all.count,
                nextContinuationToken: end < all.count ? String(end) : nil, serverDate: answered)
        }
    }

    // MARK: RecordStreamService

    func putRecords(stream: String, records: [KinesisRecordInput]) async throws -> KinesisPutRecordsResult {
        try await call {
            if world.isDown(.kinesis) { throw down(.kinesis) }
            var outcomes: [KinesisPutOutcome] = []
            for record in records {
                // Now and then a record is refused on its own (throughput), as Kinesis does.
                if world.scheduler.random(10) == 0 {
                    outcomes.append(.failed(code: "ProvisionedThroughputExceededException", message: "simulated"))
                } else {
                    _ = world.record(record.data, via: "kinesis")
                    outcomes.append(.stored(shardId: "shard-0", sequenceNumber: "0"))
                }
            }
            return KinesisPutRecordsResult(
                failedRecordCount: outcomes.filter { !$0.isStored }.count, outcomes: outcomes)
        }
    }

    // MARK: StateStore

    var displayName: String { "simulated store" }
    var roundTrips: UInt64 { 0 }

    private func storeCall<T>(_ effect: () -> T) async throws -> T {
        try await call {
            if world.isDown(.store) {
                throw StateStoreError.unavailable(store: displayName, reason: "simulated outage")
            }
            return effect()
        }
    }

    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome] {
        try await storeCall { world.claim(requests, owner: owner, lease: lease) }
    }

    func complete(_ completions: [ClaimCompletion]) async throws -> [Bool] {
        try await storeCall { world.complete(completions) }
    }

    func release(_ tickets: [ClaimTicket]) async throws {
        _ = try await storeCall { world.updateLease(tickets, until: Date(timeIntervalSince1970: 0)) }
    }

    func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool] {
        try await storeCall {
            world.updateLease(tickets, until: world.storeNow.addingTimeInterval(lease.secondsDouble))
        }
    }

    func acquireLease(_ name: String, owner: String, ttl: Duration) async throws -> Lease? {
        let lease = Lease(name: name, owner: owner, token: Lease.newToken())
        return try await storeCall { world.acquireLease(name, token: lease.token, ttl: ttl) ? lease : nil }
    }

    func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool {
        try await storeCall { world.renewLease(lease.name, token: lease.token, ttl: ttl) }
    }

    func releaseLease(_ lease: Lease) async throws {
        try await storeCall { world.releaseLease(lease.name, token: lease.token) }
    }

    func storedClaim(bucket: String, key: String) async throws -> StoredClaim? { nil }
    func ping() async throws { try await storeCall {} }
    func watermark(bucket: String, prefix: String) async throws -> Date? {
        try await storeCall { world.watermark("\(bucket)/\(prefix)") }
    }
    func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date {
        try await storeCall { world.advanceWatermark("\(bucket)/\(prefix)", to: date) }
    }
    func saveBaseline(_ model: StoredBaseline) async throws -> Bool { try await saveBaselines([model]).first ?? false }
    func loadBaseline(named name: String) async throws -> StoredBaseline? {
        try await storeCall { world.loadBaseline(named: name) }
    }
    func saveBaselines(_ models: [StoredBaseline]) async throws -> [Bool] {
        try await storeCall { world.saveBaselines(models) }
    }
    /// `savedSince` is on this worker's clock: converted to the store's by the worker's skew, as
    /// the MongoDB store converts it by the offset it measures (SQLite shares the host's clock).
    func loadBaselines(prefix: String, savedSince: Date?, after: String?, limit: Int) async throws -> [StoredBaseline] {
        try await storeCall {
            world.loadBaselines(
                prefix: prefix, savedSince: savedSince?.addingTimeInterval(-clockSkew), after: after, limit: limit)
        }
    }
    func close() async {}
}
