import EDALAWS
import EDALDetection
import EDALState
import Foundation
import Logging
import Tracing

/// The one path every object takes, whether a notification, the sweep or a replay found it:
/// claim (one store round trip for the batch) → HEAD (bounded concurrency, metadata only) → score →
/// publish signals → complete the claims (one round trip).
///
/// A duplicate or stale event costs one claim and nothing else. Work that cannot finish (store
/// down, HEAD failing, no sink taking the signal) gives its claim back and is reported
/// `retryLater`, so the caller leaves its message in the queue.
public struct ObjectPipeline: Sendable {
    public var s3: any ObjectHeadService
    /// Only its claims: the pipeline needs nothing else of the store.
    public var store: any ClaimStore
    public var publisher: SignalPublisher
    /// The sources and their baselines: every object is judged against its own source.
    public var sources: SourceTracker
    /// Anomalies and source events only, or every object.
    public var mode: Signal.Mode
    /// What "the same object" is: one signal per content (default) or per version.
    public var dedupe: DedupeScope
    /// Which user metadata signals carry (`EDAL_SIGNAL_METADATA`), secret-looking values redacted.
    public var signalMetadata = SignalMetadataPolicy()
    public var statistics: WorkerStatistics
    /// Names this worker in claims and signals, e.g. `host:pid`.
    public var owner: String
    /// How long a claim is held before another worker may take it over; renewed at half-time while working.
    public var lease: Duration
    public var headConcurrency: Int
    public var logger: Logger
    /// Time for lease renewals and completion retries (virtual in the simulation).
    public var clock: any WorkerClock = SystemClock()
    /// The spans of each object's stages, when a tracer is installed.
    public var tracing = PipelineTracing()

    public init(
        s3: any ObjectHeadService, store: any ClaimStore, publisher: SignalPublisher, sources: SourceTracker,
        mode: Signal.Mode = .anomalies,
        dedupe: DedupeScope = .content, statistics: WorkerStatistics, owner: String, lease: Duration = .seconds(30),
        headConcurrency: Int = 16,
        logger: Logger = Logger(label: "edal.pipeline")
    ) {
        self.s3 = s3
        self.store = store
        self.publisher = publisher
        self.sources = sources
        self.mode = mode
        self.dedupe = dedupe
        self.statistics = statistics
        self.owner = owner
        self.lease = lease
        self.headConcurrency = max(1, headConcurrency)
        self.logger = logger
    }

    /// Processes `candidates`; answers per candidate, in order.
    public func process(_ candidates: [ObjectCandidate]) async -> [ObjectResult] {
        guard !candidates.isEmpty else { return [] }
        statistics.update { $0.objects += candidates.count }

        // One key written twice in one batch: only its latest write is claimed; the older event is
        // finished by it (its message may go: the latest write's message stays until that is done).
        // Each request built once: its object id and padded sequencer are compared several times.
        let requests = candidates.map(\.claimRequest)
        let latest = Self.latestWrites(requests)
        var results = [ObjectResult?](repeating: nil, count: candidates.count)
        if latest.count < candidates.count {
            let chosen = Dictionary(
                latest.map { (requests[$0].objectId, requests[$0].eTag) }, uniquingKeysWith: { a, _ in a })
            var repeats = 0
            var older = 0
            for index in candidates.indices where !latest.contains(index) {
                // The same content again (a re-sent notification) is a duplicate; other content, superseded.
                if chosen[requests[index].objectId] == requests[index].eTag {
                    repeats += 1
                    results[index] = .done(.duplicate)
                } else {
                    older += 1
                    results[index] = .done(.superseded)
                }
            }
            statistics.update {
                $0.duplicates += repeats
                $0.superseded += older
            }
        }

        let claimedIndices = latest.sorted()
        let claimOutcomes: [ClaimOutcome]
        let claimStarted = tracing.now()
        do {
            claimOutcomes = try await store.claim(
                claimedIndices.map { dedupe.claimRequest(requests[$0]) }, owner: owner, lease: lease)
        } catch {
            statistics.update { $0.storeErrors += 1 }
            logger.warning("cannot claim objects; their messages stay in the queue", metadata: ["error": .error(error)])
            tracing.stage(
                "claim", from: claimStarted, for: candidates.map(\.trace), outcome: { _ in "store" },
                failed: { _ in true })
            return results.map { $0 ?? .retryLater(.store) }
        }
        var outcomes = [ClaimOutcome](repeating: .duplicate, count: candidates.count)
        for (index, outcome) in zip(claimedIndices, claimOutcomes) { outcomes[index] = outcome }

        var claimed: [ClaimedObject] = []
        statistics.update { counts in
            for (index, outcome) in outcomes.enumerated() where results[index] == nil {
                switch outcome {
                case .claimed(let ticket):
                    counts.claimed += 1
                    claimed.append(ClaimedObject(position: index, candidate: candidates[index], ticket: ticket))
                case .takenOver(let ticket):
                    counts.takenOver += 1
                    claimed.append(ClaimedObject(position: index, candidate: candidates[index], ticket: ticket))
                case .duplicate:
                    counts.duplicates += 1
                    results[index] = .done(.duplicate)
                case .inProgress:
                    counts.inProgress += 1
                    results[index] = .retryLater(.inProgress)
                case .stale:
                    counts.stale += 1
                    results[index] = .done(.stale)
                }
            }
        }
        tracing.stage(
            "claim", from: claimStarted, for: candidates.map(\.trace),
            outcome: { index in results[index]?.label ?? "claimed" })
        guard !claimed.isEmpty else { return results.map { $0 ?? .retryLater(.store) } }

        let tickets = claimed.map(\.ticket)
        let finished = await withSidecar(
            { [self] in
                await repeatEvery(
                    lease / 2, clock: clock, { _ = try await store.renew(tickets, lease: lease) },
                    failed: { error in
                        logger.notice("cannot renew claim leases", metadata: ["error": .error(error)])
                    })
            }, while: { await work(on: claimed) })
        for object in finished { results[object.position] = object.result ?? .retryLater(.store) }
        return results.map { $0 ?? .retryLater(.store) }
    }

    /// HEAD, judge, publish and complete the claimed objects, each record moved through its stages.
    private func work(on claimed: [ClaimedObject]) async -> [ClaimedObject] {
        var objects = claimed
        var started = tracing.now()
        await head(&objects)
        trace("head", from: &started, objects) { $0.gone ? "object_gone" : $0.result?.label ?? "found" }
        let sourceSignals = await judge(&objects)
        trace("judge", from: &started, objects.filter(\.scored)) { $0.anomalous ? "anomalous" : "normal" }
        await publish(&objects, with: sourceSignals)
        trace("publish", from: &started, objects.filter { $0.delivery != nil }) { $0.delivery?.label ?? "-" }
        await releaseGivenBack(objects)
        await recordCompletions(&objects)
        trace("complete", from: &started, objects) { $0.result?.label ?? "-" }
        count(objects)
        return objects
    }

    /// Records the stage that ran for `objects` since `started` (then restarts the watch).
    private func trace(
        _ stage: String, from started: inout DefaultTracerClock.Instant?, _ objects: [ClaimedObject],
        outcome: (ClaimedObject) -> String
    ) {
        guard tracing.enabled else { return }
        tracing.stage(
            stage, from: started, for: objects.map(\.candidate.trace), outcome: { outcome(objects[$0]) },
            failed: { objects[$0].result?.isDependencyFailure == true })
        started = tracing.now()
    }

    /// claimed → headed: HEAD every object, a bounded number at a time; a refusal or a failure
    /// gives the claim back, a missing object completes as gone.
    private func head(_ objects: inout [ClaimedObject]) async {
        var heads = [Result<S3ObjectHead?, any Error>?](repeating: nil, count: objects.count)
        let targets = objects.map(\.candidate.event)
        let observer = statistics.observer
        try? await forEachConcurrently(
            count: targets.count, limit: headConcurrency,
            { [s3] position in
                let started = ContinuousClock.now
                defer { observer?.headFinished(after: ContinuousClock.now - started) }
                do {
                    let event = targets[position]
                    return .success(
                        try await s3.headObject(
                            bucket: event.bucket, key: event.key, versionId: nil, region: event.region))
                } catch {
                    return .failure(error)
                }
            },
            onResult: { position, result in
                heads[position] = result
            })
        for position in objects.indices {
            objects[position].headed = true
            let event = objects[position].candidate.event
            switch heads[position] {
            case .failure(let error as AWSServiceError) where error.statusCode == 403:
                logger.error(
                    "S3 refused the HEAD: no permission, or the bucket belongs to another account than EDAL_EXPECTED_BUCKET_OWNER says; the message goes to the dead-letter queue",
                    metadata: ["bucket": "\(event.bucket)", "key": "\(event.key)", "error": .error(error)])
                objects[position].giveBack(.refused)
            case .none, .failure:
                if case .failure(let error) = heads[position] {
                    logger.warning(
                        "HEAD failed; the object will be tried again",
                        metadata: ["bucket": "\(event.bucket)", "key": "\(event.key)", "error": .error(error)])
                }
                objects[position].giveBack(.head)
            case .success(.none):
                objects[position].gone = true
                objects[position].complete(.objectGone)
            case .success(.some(let head)):
                // A newer write replaced the object since the event: what is there now is processed
                // under this claim, and the record says so, so the newer write's own event is a
                // duplicate (were it lost, or dropped as a repeat, the newest content still gets its signal).
                objects[position].superseded = head.eTag != event.eTag
                objects[position].stage = .headed(head)
            }
        }
    }

    /// headed → judged: every object against its source's baseline (one lock, no store round trip
    /// unless a source is new); a normal object completes as not anomalous. Answers the source
    /// events the objects raised.
    private func judge(_ objects: inout [ClaimedObject]) async -> [Signal] {
        let headed = objects.indices.compactMap { position -> (Int, S3ObjectHead)? in
            guard case .headed(let head) = objects[position].stage else { return nil }
            return (position, head)
        }
        guard !headed.isEmpty else { return [] }
        let started = ContinuousClock.now
        let verdicts = await sources.observe(
            headed.map { Self.observation($0.1, event: objects[$0.0].candidate.event) })
        statistics.observer?.objectsJudged(headed.count, in: ContinuousClock.now - started)
        var sourceSignals: [Signal] = []
        for ((position, head), verdict) in zip(headed, verdicts) {
            let candidate = objects[position].candidate
            objects[position].anomalous = verdict.anomalous
            objects[position].scored = true
            for event in verdict.events {
                sourceSignals.append(
                    SignalBuilder.sourceSignal(event, via: candidate.via.rawValue, mode: mode, producer: producerName))
            }
            if verdict.anomalous || mode == .continuous {
                let signal = SignalBuilder.objectSignal(
                    verdict, head: head, candidate: candidate, mode: mode, dedupe: dedupe,
                    metadata: signalMetadata, producer: producerName)
                objects[position].stage = .judged(head, signal: signal)
            } else {
                objects[position].complete(.notAnomalous, head: head)
            }
        }
        return sourceSignals
    }

    /// judged → published: one publish for the objects' signals and the source events; a signal
    /// no sink takes gives its claim back for a retry.
    private func publish(_ objects: inout [ClaimedObject], with sourceSignals: [Signal]) async {
        let judged = objects.indices.compactMap { position -> (Int, S3ObjectHead, Signal)? in
            guard case .judged(let head, let signal?) = objects[position].stage else { return nil }
            return (position, head, signal)
        }
        guard !judged.isEmpty || !sourceSignals.isEmpty else { return }
        let deliveries = await publish(judged.map(\.2) + sourceSignals)
        // Source events ride with the batch (one PutRecords), but their objects are not held back for them.
        tallySourceEvents(sourceSignals, Array(deliveries.dropFirst(judged.count)))
        for ((position, head, signal), delivery) in zip(judged, deliveries) {
            if delivery.isDelivered {
                objects[position].complete(.signalled(signalId: signal.signalId), head: head)
            } else {
                objects[position].giveBack(.sink)
            }
            objects[position].delivery = delivery
        }
    }

    /// Gives back the claims of the objects whose work failed, so the next delivery takes them at once.
    private func releaseGivenBack(_ objects: [ClaimedObject]) async {
        let tickets = objects.filter(\.releases).map(\.ticket)
        guard !tickets.isEmpty else { return }
        do {
            try await store.release(tickets)
        } catch {
            // The leases run out on their own; a later delivery takes the claims over.
            logger.notice("cannot release claims; they expire with their lease", metadata: ["error": .error(error)])
        }
    }

    /// completing → ended: records the outcomes, retrying a store hiccup (the signals are out, so
    /// recording that matters). A claim taken over meanwhile ends as `leaseLost`.
    private func recordCompletions(_ objects: inout [ClaimedObject]) async {
        let completing = objects.indices.compactMap { position -> (Int, ClaimCompletion)? in
            guard case .completing(let completion) = objects[position].stage else { return nil }
            return (position, completion)
        }
        guard !completing.isEmpty else { return }
        var answers: [Bool]?
        var attempt = 0
        let retry = RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(200), maximumDelay: .seconds(2))
        while answers == nil, attempt < retry.maximumAttempts {
            // Cancelled: stop at once (the messages come back), not four attempts back to back.
            if attempt > 0, (try? await clock.sleep(for: retry.delay(retry: attempt, clock: clock))) == nil { break }
            attempt += 1
            do {
                answers = try await store.complete(completing.map(\.1))
            } catch {
                logger.warning("cannot record completed work (attempt \(attempt))", metadata: ["error": .error(error)])
            }
        }
        for (index, (position, completion)) in completing.enumerated() {
            guard let answers else {
                objects[position].stage = .ended(.retryLater(.store))
                continue
            }
            let stillOurs = answers.indices.contains(index) && answers[index]
            objects[position].stage = .ended(.done(stillOurs ? ObjectResult.Finished(completion.outcome) : .leaseLost))
        }
        if answers == nil { statistics.update { $0.storeErrors += 1 } }
    }

    /// The batch's counts, read from its records.
    private func count(_ objects: [ClaimedObject]) {
        statistics.update { counts in
            for object in objects {
                if object.headed { counts.headRequests += 1 }
                if object.superseded { counts.superseded += 1 }
                if object.anomalous { counts.anomalies += 1 }
                switch object.delivery {
                case .kinesis?: counts.signalsToKinesis += 1
                case .fallback?: counts.signalsToFallback += 1
                case .failed?: counts.signalsFailed += 1
                case nil: break
                }
                switch object.result {
                case .retryLater(.refused)?: counts.refusedHeads += 1
                case .retryLater(.head)?: counts.headErrors += 1
                case .done(.leaseLost)?: counts.leasesLost += 1
                default: break
                }
                if object.scored { counts.scored += 1 }
                if object.gone { counts.objectsGone += 1 }
            }
        }
    }

    /// The index of each object's latest write among `requests`: by sequencer where both have one
    /// (S3's order of writes to a key), else by event time, else the later in the batch.
    static func latestWrites(_ requests: [ClaimRequest]) -> Set<Int> {
        var latest: [String: Int] = [:]
        for (index, request) in requests.enumerated() {
            guard let current = latest[request.objectId] else {
                latest[request.objectId] = index
                continue
            }
            let held = requests[current]
            let newer: Bool
            if let a = request.orderedSequencer, let b = held.orderedSequencer, a != b {
                newer = a > b
            } else if let a = request.eventTime, let b = held.eventTime, a != b {
                newer = a > b
            } else {
                newer = true
            }
            if newer { latest[request.objectId] = index }
        }
        return Set(latest.values)
    }

    var producerName: String { "edal/\(EDALVersion.current) \(owner)" }

    /// Publishes source events found outside an object batch (silences; resumptions found while
    /// syncing baselines), counted like those found in a batch.
    public func publishSourceEvents(_ events: [SourceEvent], via: String) async {
        guard !events.isEmpty else { return }
        let signals = events.map { SignalBuilder.sourceSignal($0, via: via, mode: mode, producer: producerName) }
        tallySourceEvents(signals, await publish(signals))
    }

    /// Publishes the source events kept because no sink took them (`SourceTracker.keepUnpublished`);
    /// those a sink takes now are forgotten, the rest kept for the next try. Answers how many went.
    @discardableResult
    public func publishUnpublishedSourceEvents() async -> Int {
        guard sources.hasUnpublished else { return 0 }
        let kept = sources.unpublished()
        guard !kept.isEmpty else { return 0 }
        let deliveries = await publish(kept)
        for (signal, delivery) in zip(kept, deliveries) where delivery.isDelivered { sources.published(signal) }
        // Their first attempt counted them as source events, and as failed.
        tallyDeliveries(deliveries, sourceEvents: 0, countingFailures: false)
        let sent = deliveries.filter(\.isDelivered).count
        if sent > 0 {
            logger.notice(
                "published source events kept while no sink answered",
                metadata: ["events": "\(sent)", "still_kept": "\(kept.count - sent)"])
        }
        return sent
    }

    /// Publishes, and tells the observer which signals reached a sink (the operator page's list).
    private func publish(_ signals: [Signal]) async -> [SignalDelivery] {
        let deliveries = await publisher.publish(signals)
        if let observer = statistics.observer {
            observer.signalsDelivered(zip(signals, deliveries).filter { $0.1.isDelivered }.map(\.0))
        }
        return deliveries
    }

    /// Counts source events by where they went. One that no sink took is kept with its source's
    /// baseline and published when a sink answers (`publishUnpublishedSourceEvents`): the event is
    /// not derived again when its object is.
    private func tallySourceEvents(_ signals: [Signal], _ deliveries: [SignalDelivery]) {
        guard !signals.isEmpty else { return }
        for (signal, delivery) in zip(signals, deliveries) where !delivery.isDelivered {
            let kept = sources.keepUnpublished(signal)
            logger.warning(
                kept
                    ? "a source event reached no sink; kept with its source's baseline and published when a sink answers"
                    : "a source event reached no sink, and its source is no longer known; it is lost",
                metadata: ["signal_id": "\(signal.signalId)", "check": "\(signal.check)"])
        }
        tallyDeliveries(deliveries, sourceEvents: signals.count, countingFailures: true)
    }

    /// Adds `deliveries` to the signal counts by sink (failures too, when `countingFailures`).
    private func tallyDeliveries(_ deliveries: [SignalDelivery], sourceEvents: Int, countingFailures: Bool) {
        var toKinesis = 0
        var toFallback = 0
        var failed = 0
        for delivery in deliveries {
            switch delivery {
            case .kinesis: toKinesis += 1
            case .fallback: toFallback += 1
            case .failed: failed += 1
            }
        }
        statistics.update {
            $0.sourceEvents += sourceEvents
            $0.signalsToKinesis += toKinesis
            $0.signalsToFallback += toFallback
            if countingFailures { $0.signalsFailed += failed }
        }
    }

    /// What detection sees of an object: its HEAD and what the notification said of its writer.
    static func observation(_ head: S3ObjectHead, event: ObjectCreatedEvent) -> ObjectObservation {
        ObjectObservation(
            bucket: head.bucket, key: head.key, eTag: head.eTag, versionId: head.versionId, size: head.contentLength,
            lastModified: head.lastModified ?? event.eventTime ?? Date(), contentType: head.contentType,
            contentEncoding: head.contentEncoding, storageClass: head.storageClass,
            serverSideEncryption: head.headers["x-amz-server-side-encryption"],
            kmsKeyId: head.headers["x-amz-server-side-encryption-aws-kms-key-id"], metadata: head.metadata,
            writer: event.writer, sourceIP: event.sourceIP
        )
    }
}
