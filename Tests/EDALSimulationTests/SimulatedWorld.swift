import Foundation
import NIOConcurrencyHelpers

@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker

/// The services behind the seams, in memory, with their rules: an SQS queue (visibility timeouts,
/// receive counts, redrive to a dead-letter queue, duplicate and out-of-order delivery), an S3
/// bucket (overwrites and deletes; versioned or not: HEAD answers the current object, or with a
/// version id that version), a Kinesis stream and a fallback queue, and
/// a state store applying `ClaimRules` on the store's own clock. Each can be down for a while.
///
/// Every call checks the invariant "no message is deleted before its work is durable" as it deletes.
final class SimulatedWorld: @unchecked Sendable {
    struct Write: Sendable {
        var eTag: String
        var at: Duration
        var sequencer: String
        /// A delete (in a versioned bucket, a delete marker): the key has no current object.
        var deleted = false
        /// In a versioned bucket, the version id of the write.
        var versionId: String?
    }

    struct Message {
        var id: String
        var body: String
        /// The writes its records name (key, ETag, sequencer); empty for a malformed body.
        var records: [(key: String, eTag: String, sequencer: String)]
        var receiveCount = 0
        var visibleAt: Duration
        var receiptHandle: String?
        var malformed: Bool
        /// When it was last received: SQS refuses to hide it past `visibilityCeiling` from then.
        var receivedAt: Duration?
        /// When it was moved to the dead-letter queue.
        var deadLetteredAt: Duration?
    }

    struct StoredSignal: Sendable {
        var signalId: String
        var key: String
        var eTag: String
        var via: String
    }

    struct Claim {
        var eTag: String
        var sequencer: String?
        var status: StoredClaim.Status
        var leaseUntil: Date?
        var lastModified: Date?
        var token: String
        var outcome: String?
    }

    let scheduler: SimulationScheduler
    let bucket = "telemetry"
    static let defaultMaxReceiveCount = 5
    let maxReceiveCount = SimulatedWorld.defaultMaxReceiveCount
    /// SQS's limit on how long a received message stays hidden, however often its visibility is
    /// extended: 12 hours from its receipt.
    var visibilityCeiling: Duration = .seconds(43_200)
    /// Whether the bucket keeps versions (notifications then carry version ids, and HEAD answers them).
    var versioned = false
    private let lock = NIOLock()
    private(set) var writes: [String: [Write]] = [:]
    private(set) var queue: [String: Message] = [:]
    private(set) var deadLetters: [Message] = []
    private(set) var signals: [StoredSignal] = []
    private(set) var sourceEvents: [(check: String, sourceId: String, at: Duration)] = []
    private var baselines: [String: (model: StoredBaseline, savedAt: Date)] = [:]
    private(set) var claims: [String: Claim] = [:]
    private(set) var watermarks: [String: Date] = [:]
    /// Leases by name: holder's token and when its time runs out, on the store's (virtual) clock.
    private var leases: [String: (token: String, until: Date)] = [:]
    /// How far back a sweep looks before its watermark (the simulation's `EDAL_SWEEP_OVERLAP`).
    var sweepOverlap: TimeInterval = 60
    private(set) var violations: [String] = []
    private var messageCounter = 0
    /// Notifications S3 has yet to deliver, per `key@eTag` (sent late, they are already on their way).
    private var pending: [String: Int] = [:]
    private var tokenCounter = 0
    private var sequencerCounter = 0
    /// Outage windows per service, in virtual time.
    var outages: [Service: [Range<Duration>]] = [:]

    enum Service: String, CaseIterable {
        case store, s3, kinesis, fallback, sqs
    }

    init(scheduler: SimulationScheduler) {
        self.scheduler = scheduler
    }

    func isDown(_ service: Service) -> Bool {
        let now = scheduler.now
        return lock.withLock { outages[service, default: []].contains { $0.contains(now) } }
    }

    func violation(_ text: String) {
        scheduler.log("VIOLATION \(text)")
        lock.withLock { violations.append(text) }
    }

    // MARK: The bucket and its notifications

    /// Writes `key` with content `content` now; answers the write (its sequencer orders it).
    func write(key: String, content: String) -> Write {
        let write = lock.withLock { () -> Write in
            sequencerCounter += 1
            let write = Write(
                eTag: Self.eTag(content), at: scheduler.now, sequencer: String(format: "%016X", sequencerCounter),
                versionId: versioned ? "v\(sequencerCounter)" : nil)
            writes[key, default: []].append(write)
            return write
        }
        scheduler.log(
            "PUT \(key) \(write.eTag) seq \(write.sequencer)\(write.versionId.map { " version \($0)" } ?? "")")
        return write
    }

    /// Deletes `key` now (in a versioned bucket: a delete marker; older versions stay readable by id).
    func delete(key: String) -> Write {
        let write = lock.withLock { () -> Write in
            sequencerCounter += 1
            let write = Write(
                eTag: "", at: scheduler.now, sequencer: String(format: "%016X", sequencerCounter), deleted: true,
                versionId: versioned ? "d\(sequencerCounter)" : nil)
            writes[key, default: []].append(write)
            return write
        }
        scheduler.log("DELETE-OBJECT \(key) seq \(write.sequencer)")
        return write
    }

    static func eTag(_ content: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in content.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(format: "%016llx", hash)
    }

    /// The key's current object, or `nil` when it was never written or its last write was a delete.
    func current(_ key: String) -> Write? { lock.withLock { writes[key]?.last.flatMap { $0.deleted ? nil : $0 } } }

    /// The version `versionId` of `key`, unless it is a delete marker or unknown.
    func version(_ key: String, _ versionId: String) -> Write? {
        lock.withLock { writes[key]?.first { $0.versionId == versionId && !$0.deleted } }
    }

    /// Notes a notification S3 will deliver later (`notify`), which covers its content meanwhile.
    func willNotify(_ key: String, _ write: Write) {
        guard !write.deleted else { return }
        lock.withLock { pending["\(key)@\(write.eTag)", default: 0] += 1 }
    }

    /// Sends a notification for `records` (or a malformed body) into the queue now.
    func notify(_ records: [(key: String, write: Write)], malformed: Bool = false) {
        let body: String
        if malformed {
            body = "{\"Records\": [{\"this is\": not json"
        } else {
            let items = records.map { record -> String in
                let time = ISO8601DateFormatter().string(
                    from: scheduler.epoch.addingTimeInterval(record.write.at.secondsDouble))
                let version = record.write.versionId.map { ",\"versionId\":\"\($0)\"" } ?? ""
                if record.write.deleted {
                    let name = versioned ? "ObjectRemoved:DeleteMarkerCreated" : "ObjectRemoved:Delete"
                    return """
                        {"eventVersion":"2.1","eventSource":"aws:s3","eventName":"\(name)","eventTime":"\(time)",\
                        "s3":{"bucket":{"name":"\(bucket)"},"object":{"key":"\(record.key)"\(version),"sequencer":"\(record.write.sequencer)"}}}
                        """
                }
                return """
                    {"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","eventTime":"\(time)",\
                    "s3":{"bucket":{"name":"\(bucket)"},"object":{"key":"\(record.key)","size":100,"eTag":"\(record.write.eTag)"\(version),\
                    "sequencer":"\(record.write.sequencer)"}}}
                    """
            }
            body = "{\"Records\":[\(items.joined(separator: ","))]}"
        }
        lock.withLock {
            messageCounter += 1
            let id = "m\(messageCounter)"
            for record in records where !record.write.deleted {
                pending["\(record.key)@\(record.write.eTag)", default: 1] -= 1
            }
            // Removals are nothing for EDAL to do: only the created objects are work a message carries.
            queue[id] = Message(
                id: id, body: body,
                records: records.filter { !$0.write.deleted }.map { ($0.key, $0.write.eTag, $0.write.sequencer) },
                visibleAt: scheduler.now, malformed: malformed)
        }
        scheduler.log(
            "NOTIFY \(malformed ? "malformed" : records.map { "\($0.key)@\($0.write.deleted ? "removed" : $0.write.eTag)" }.joined(separator: " "))"
        )
    }

    // MARK: SQS

    func receive(max: Int, visibility: Int) -> [SQSMessage] {
        let now = scheduler.now
        var visible = lock.withLock { queue.values.filter { $0.visibleAt <= now }.map(\.id).sorted() }
        // SQS returns what it likes: a seeded shuffle.
        for index in visible.indices.reversed() where index > 0 { visible.swapAt(index, scheduler.random(index + 1)) }
        var answer: [SQSMessage] = []
        for id in visible.prefix(max) {
            lock.withLock {
                guard var message = queue[id] else { return }
                message.receiveCount += 1
                if message.receiveCount > maxReceiveCount {
                    queue[id] = nil
                    message.deadLetteredAt = now
                    deadLetters.append(message)
                    return
                }
                message.receivedAt = now
                message.visibleAt = now + .seconds(visibility)
                message.receiptHandle = "\(id)#\(message.receiveCount)"
                queue[id] = message
                answer.append(
                    SQSMessage(
                        messageId: id, receiptHandle: message.receiptHandle ?? "", body: message.body,
                        attributes: ["ApproximateReceiveCount": String(message.receiveCount)]))
            }
        }
        let moved = lock.withLock { deadLetters.count }
        if !answer.isEmpty {
            scheduler.log(
                "RECEIVE \(answer.map { "\($0.messageId)#\($0.receiveCount ?? 0)" }.joined(separator: " ")) (DLQ \(moved))"
            )
        }
        return answer
    }

    func delete(_ entries: [SQSDeleteEntry]) -> SQSBatchResult {
        var ok: [String] = []
        var failed: [SQSBatchFailure] = []
        for entry in entries {
            let id = String(entry.receiptHandle.prefix { $0 != "#" })
            let message = lock.withLock { queue[id] }
            guard let message, message.receiptHandle == entry.receiptHandle else {
                failed.append(
                    SQSBatchFailure(id: entry.id, code: "ReceiptHandleIsInvalid", message: nil, senderFault: true))
                continue
            }
            // Nothing is deleted before its work is durable: each record's content is signalled, or
            // a later write replaced the one it names — even with the same bytes, after a delete —
            // (and that write's own message, this claim or the sweep carries it), or another
            // message — still queued, or on its way from S3 — names the same content (a repeat
            // handled as one).
            for record in message.records
            where !isSignalled(record.key, record.eTag) && current(record.key)?.sequencer == record.sequencer {
                let covered = lock.withLock {
                    (pending["\(record.key)@\(record.eTag)"] ?? 0) > 0
                        || queue.values.contains {
                            $0.id != id && $0.records.contains { $0.key == record.key && $0.eTag == record.eTag }
                        }
                }
                if !covered { violation("\(id) deleted while \(record.key)@\(record.eTag) has no signal") }
            }
            lock.withLock { queue[id] = nil }
            ok.append(entry.id)
            scheduler.log("DELETE \(id)")
        }
        return SQSBatchResult(successfulIds: ok, failed: failed, messageIds: [:])
    }

    func changeVisibility(_ entries: [SQSVisibilityEntry]) -> SQSBatchResult {
        var ok: [String] = []
        var failed: [SQSBatchFailure] = []
        let now = scheduler.now
        for entry in entries {
            let id = String(entry.receiptHandle.prefix { $0 != "#" })
            let updated = lock.withLock { () -> Bool in
                guard var message = queue[id], message.receiptHandle == entry.receiptHandle, message.visibleAt > now
                else { return false }
                // Past the ceiling SQS answers InvalidParameterValue and the message keeps its time.
                if let received = message.receivedAt,
                    now + .seconds(entry.visibilityTimeout) > received + visibilityCeiling
                {
                    return false
                }
                message.visibleAt = now + .seconds(entry.visibilityTimeout)
                queue[id] = message
                return true
            }
            if updated {
                ok.append(entry.id)
            } else {
                failed.append(
                    SQSBatchFailure(id: entry.id, code: "MessageNotInflight", message: nil, senderFault: true))
            }
        }
        return SQSBatchResult(successfulIds: ok, failed: failed, messageIds: [:])
    }

    /// The listing: what a `ListObjectsV2` sees now — each key's newest write that has reached the
    /// listing (it lags the write by up to `listingLag`).
    func listing(prefix: String?) -> [S3ListedObject] {
        let now = scheduler.now
        return lock.withLock {
            writes.keys.sorted().compactMap { key -> S3ListedObject? in
                guard prefix.map({ key.hasPrefix($0) }) ?? true,
                    let write = writes[key]?.last(where: { $0.at + listingLag($0) <= now }), !write.deleted
                else { return nil }
                return S3ListedObject(
                    key: key, lastModified: scheduler.epoch.addingTimeInterval(write.at.secondsDouble.rounded(.down)),
                    eTag: write.eTag, size: 100, storageClass: "STANDARD")
            }
        }
    }

    /// A write's listing lag: 0–5 s, fixed by its sequencer so every listing agrees.
    private func listingLag(_ write: Write) -> Duration {
        .milliseconds(Int64((UInt64(write.sequencer, radix: 16) ?? 0) &* 2_654_435_761 % 5_000))
    }

    /// The watermark may move to `date` only if nothing written before `date` minus the overlap is
    /// left undone: its content signalled, replaced, or carried by a message still queued.
    func advanceWatermark(_ id: String, to date: Date) -> Date {
        let limit = date.addingTimeInterval(-sweepOverlap)
        for (key, history) in allWrites.sorted(by: { $0.key < $1.key }) {
            // A key deleted last has nothing left to process.
            guard let write = history.last, !write.deleted else { continue }
            let written = scheduler.epoch.addingTimeInterval(write.at.secondsDouble.rounded(.down))
            guard written < limit, !isSignalled(key, write.eTag) else { continue }
            let carried = lock.withLock {
                queue.values.contains { $0.records.contains { $0.key == key && $0.eTag == write.eTag } }
            }
            if !carried {
                violation(
                    "watermark \(id) moved to \(date.timeIntervalSince(scheduler.epoch)) past \(key)@\(write.eTag), undone"
                )
            }
        }
        return lock.withLock {
            let moved = max(watermarks[id] ?? date, date)
            watermarks[id] = moved
            return moved
        }
    }

    func watermark(_ id: String) -> Date? { lock.withLock { watermarks[id] } }

    // MARK: Baselines (a compare-and-set on the version; saved-at on the store's clock)

    func saveBaselines(_ models: [StoredBaseline]) -> [Bool] {
        let now = storeNow
        return lock.withLock {
            models.map { model in
                if let held = baselines[model.name], held.model.version >= model.version { return false }
                baselines[model.name] = (model, now)
                return true
            }
        }
    }

    func loadBaseline(named name: String) -> StoredBaseline? { lock.withLock { baselines[name]?.model } }

    /// `savedSince` on the store's clock.
    func loadBaselines(prefix: String, savedSince: Date?, after: String?, limit: Int) -> [StoredBaseline] {
        lock.withLock {
            baselines.filter {
                $0.key.hasPrefix(prefix) && $0.key > (after ?? "") && $0.value.savedAt >= (savedSince ?? .distantPast)
            }
            .sorted { $0.key < $1.key }.prefix(max(1, limit)).map(\.value.model)
        }
    }

    // MARK: Leases

    func acquireLease(_ name: String, token: String, ttl: Duration) -> Bool {
        let now = storeNow
        return lock.withLock {
            if let held = leases[name], held.until > now { return false }
            leases[name] = (token, now.addingTimeInterval(ttl.secondsDouble))
            return true
        }
    }

    func renewLease(_ name: String, token: String, ttl: Duration) -> Bool {
        let now = storeNow
        return lock.withLock {
            guard leases[name]?.token == token else { return false }
            leases[name] = (token, now.addingTimeInterval(ttl.secondsDouble))
            return true
        }
    }

    func releaseLease(_ name: String, token: String) {
        lock.withLock {
            if leases[name]?.token == token { leases[name] = nil }
        }
    }

    // MARK: Sinks

    func isSignalled(_ key: String, _ eTag: String) -> Bool {
        lock.withLock { signals.contains { $0.key == key && $0.eTag == eTag } }
    }

    func record(_ data: Data, via: String) -> Bool {
        guard let signal = try? Signal.decode(data) else { return false }
        // Source events (a new source, a silence …) point at an object too, under their own ids:
        // kept apart from object signals.
        if signal.isSourceEvent {
            lock.withLock { sourceEvents.append((check: signal.check, sourceId: signal.source.id, at: scheduler.now)) }
            scheduler.log(
                "SOURCE \(via) \(signal.check) \(signal.source.id) by \(signal.producer.split(separator: " ").last ?? "")"
            )
            return true
        }
        lock.withLock {
            signals.append(
                StoredSignal(signalId: signal.signalId, key: signal.evidence.key, eTag: signal.evidence.eTag, via: via))
        }
        scheduler.log("SIGNAL \(via) \(signal.evidence.key)@\(signal.evidence.eTag) id \(signal.signalId.prefix(8))")
        return true
    }

    // MARK: The state store (ClaimRules on the store's clock)

    var storeNow: Date { scheduler.epoch.addingTimeInterval(scheduler.now.secondsDouble) }

    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) -> [ClaimOutcome] {
        let now = storeNow
        let token = lock.withLock { () -> String in
            tokenCounter += 1
            return "\(owner):\(tokenCounter)"
        }
        var seen: Set<String> = []
        return requests.map { request in
            guard seen.insert(request.objectId).inserted else { return .duplicate }
            return lock.withLock { () -> ClaimOutcome in
                let held = claims[request.objectId].map {
                    ClaimRules.Held(
                        eTag: $0.eTag, orderedSequencer: $0.sequencer, status: $0.status, leaseExpiresAt: $0.leaseUntil,
                        versionId: nil, lastModified: $0.lastModified,
                        gone: $0.outcome == "\(ClaimCompletion.Outcome.objectGone)")
                }
                let ticket = ClaimTicket(objectId: request.objectId, token: token)
                switch ClaimRules.decide(request, held: held, now: now) {
                case .insert, .newContent:
                    claims[request.objectId] = Claim(
                        eTag: request.eTag, sequencer: request.orderedSequencer ?? held?.orderedSequencer,
                        status: .processing, leaseUntil: now.addingTimeInterval(lease.secondsDouble),
                        lastModified: request.lastModified, token: token)
                    return .claimed(ticket)
                case .takeOver:
                    claims[request.objectId]?.token = token
                    claims[request.objectId]?.leaseUntil = now.addingTimeInterval(lease.secondsDouble)
                    if let sequencer = request.orderedSequencer { claims[request.objectId]?.sequencer = sequencer }
                    return .takenOver(ticket)
                case .stale:
                    return .stale
                case .duplicate:
                    return held?.status == .processing ? .inProgress : .duplicate
                }
            }
        }
    }

    func complete(_ completions: [ClaimCompletion]) -> [Bool] {
        lock.withLock {
            completions.map { completion in
                guard var claim = claims[completion.ticket.objectId], claim.token == completion.ticket.token else {
                    return false
                }
                claim.status = .done
                claim.leaseUntil = nil
                claim.outcome = "\(completion.outcome)"
                if let lastModified = completion.lastModified { claim.lastModified = lastModified }
                if let eTag = completion.eTag { claim.eTag = eTag }
                claims[completion.ticket.objectId] = claim
                return true
            }
        }
    }

    func updateLease(_ tickets: [ClaimTicket], until: Date) -> [Bool] {
        lock.withLock {
            tickets.map { ticket in
                guard var claim = claims[ticket.objectId], claim.token == ticket.token, claim.status == .processing
                else { return false }
                claim.leaseUntil = until
                claims[ticket.objectId] = claim
                return true
            }
        }
    }

    var queueDepth: Int { lock.withLock { queue.count } }
    var deadLetterMessages: [Message] { lock.withLock { deadLetters } }
    var allSignals: [StoredSignal] { lock.withLock { signals } }
    var allSourceEvents: [(check: String, sourceId: String, at: Duration)] { lock.withLock { sourceEvents } }
    var allWrites: [String: [Write]] { lock.withLock { writes } }
    var allViolations: [String] { lock.withLock { violations } }
}
