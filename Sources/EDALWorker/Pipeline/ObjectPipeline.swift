import EDALDetection
import Foundation
import Logging
import EDALAWS
import EDALState

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

    public init(s3: any ObjectHeadService, store: any ClaimStore, publisher: SignalPublisher, sources: SourceTracker, mode: Signal.Mode = .anomalies,
                dedupe: DedupeScope = .content, statistics: WorkerStatistics, owner: String, lease: Duration = .seconds(30), headConcurrency: Int = 16,
                logger: Logger = Logger(label: "edal.pipeline")) {
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
            let chosen = Dictionary(latest.map { (requests[$0].objectId, requests[$0].eTag) }, uniquingKeysWith: { a, _ in a })
            var repeats = 0, older = 0
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
        do {
            claimOutcomes = try await store.claim(claimedIndices.map { dedupe.claimRequest(requests[$0]) }, owner: owner, lease: lease)
        } catch {
            statistics.update { $0.storeErrors += 1 }
            logger.warning("cannot claim objects; their messages stay in the queue", metadata: ["error": "\(error)"])
            return results.map { $0 ?? .retryLater(.store) }
        }
        var outcomes = [ClaimOutcome](repeating: .duplicate, count: candidates.count)
        for (index, outcome) in zip(claimedIndices, claimOutcomes) { outcomes[index] = outcome }

        var claimed: [(index: Int, ticket: ClaimTicket)] = []
        statistics.update { counts in
            for (index, outcome) in outcomes.enumerated() where results[index] == nil {
                switch outcome {
                case .claimed(let ticket):
                    counts.claimed += 1
                    claimed.append((index, ticket))
                case .takenOver(let ticket):
                    counts.takenOver += 1
                    claimed.append((index, ticket))
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
        guard !claimed.isEmpty else { return results.map { $0 ?? .retryLater(.store) } }

        let tickets = claimed.map(\.ticket)
        let claimedNow = claimed
        let finished = await withTaskGroup(of: [ObjectResult?]?.self) { group in
            group.addTask { [self] in
                await work(on: claimedNow, candidates: candidates)
            }
            group.addTask { [self] in
                await renewLeases(tickets)
                return nil
            }
            var finished: [ObjectResult?] = []
            for await value in group {
                if let value {
                    finished = value
                    group.cancelAll()
                }
            }
            return finished
        }
        for (position, entry) in claimed.enumerated() {
            results[entry.index] = finished.indices.contains(position) ? finished[position] : .retryLater(.store)
        }
        return results.map { $0 ?? .retryLater(.store) }
    }

    /// HEAD, score, publish and complete the claimed objects; answers per claimed entry, in order.
    private func work(on claimed: [(index: Int, ticket: ClaimTicket)], candidates: [ObjectCandidate]) async -> [ObjectResult?] {
        // HEAD every claimed object, a bounded number at a time.
        var heads = [Result<S3ObjectHead?, any Error>?](repeating: nil, count: claimed.count)
        let targets = claimed.map { candidates[$0.index].event }
        let observer = statistics.observer
        try? await forEachConcurrently(count: targets.count, limit: headConcurrency, { [s3] position in
            let started = ContinuousClock.now
            defer { observer?.headFinished(after: ContinuousClock.now - started) }
            do {
                let event = targets[position]
                return .success(try await s3.headObject(bucket: event.bucket, key: event.key, versionId: nil))
            } catch {
                return .failure(error)
            }
        }, onResult: { position, result in
            heads[position] = result
        })

        var results = [ObjectResult?](repeating: nil, count: claimed.count)
        var completions: [(position: Int, completion: ClaimCompletion)] = []
        var toRelease: [ClaimTicket] = []
        var signals: [(position: Int, signal: Signal, head: S3ObjectHead)] = []
        var scoredHeads: [(position: Int, head: S3ObjectHead)] = []
        var headErrors = 0, refused = 0, gone = 0, superseded = 0, anomalies = 0
        for (position, entry) in claimed.enumerated() {
            let candidate = candidates[entry.index]
            switch heads[position] {
            case .failure(let error as AWSServiceError) where error.statusCode == 403:
                refused += 1
                logger.error("S3 refused the HEAD: no permission, or the bucket belongs to another account than EDAL_EXPECTED_BUCKET_OWNER says; the message goes to the dead-letter queue",
                             metadata: ["bucket": "\(candidate.event.bucket)", "key": "\(candidate.event.key)", "error": "\(error)"])
                toRelease.append(entry.ticket)
                results[position] = .retryLater(.refused)
            case .none, .failure:
                headErrors += 1
                if case .failure(let error) = heads[position] {
                    logger.warning("HEAD failed; the object will be tried again",
                                   metadata: ["bucket": "\(candidate.event.bucket)", "key": "\(candidate.event.key)", "error": "\(error)"])
                }
                toRelease.append(entry.ticket)
                results[position] = .retryLater(.head)
            case .success(.none):
                gone += 1
                completions.append((position, ClaimCompletion(ticket: entry.ticket, outcome: .objectGone)))
            case .success(.some(let head)):
                // A newer write replaced the object since the event: what is there now is processed
                // under this claim, and the record says so, so the newer write's own event is a
                // duplicate (were it lost, or dropped as a repeat, the newest content still gets its signal).
                if head.eTag != candidate.event.eTag { superseded += 1 }
                scoredHeads.append((position, head))
            }
        }

        // Judge every object against its source's baseline (one lock, no store round trip unless a source is new).
        let scoringStarted = ContinuousClock.now
        let observations = scoredHeads.map { Self.observation($0.head, event: candidates[claimed[$0.position].index].event) }
        let verdicts = await sources.observe(observations)
        if !scoredHeads.isEmpty {
            statistics.observer?.objectsJudged(scoredHeads.count, in: ContinuousClock.now - scoringStarted)
        }
        var sourceSignals: [Signal] = []
        for ((position, head), verdict) in zip(scoredHeads, verdicts) {
            let candidate = candidates[claimed[position].index]
            if verdict.anomalous { anomalies += 1 }
            for event in verdict.events {
                sourceSignals.append(SignalBuilder.sourceSignal(event, via: candidate.via.rawValue, mode: mode, producer: producerName))
            }
            if verdict.anomalous || mode == .continuous {
                signals.append((position, SignalBuilder.objectSignal(verdict, head: head, candidate: candidate, mode: mode, dedupe: dedupe, metadata: signalMetadata,
                                                                     producer: producerName), head))
            } else {
                completions.append((position, ClaimCompletion(ticket: claimed[position].ticket, outcome: .notAnomalous,
                                                              lastModified: head.lastModified, versionId: head.versionId, eTag: head.eTag)))
            }
        }
        let scored = scoredHeads.count
        statistics.update {
            $0.headRequests += claimed.count
            $0.headErrors += headErrors
            $0.refusedHeads += refused
            $0.objectsGone += gone
            $0.superseded += superseded
            $0.scored += scored
            $0.anomalies += anomalies
        }

        // Publish; a signal no sink takes leaves its object for a retry.
        let deliveries = await publish(signals.map(\.signal) + sourceSignals)
        // Source events ride with the batch (one PutRecords), but their objects are not held back for them.
        tallySourceEvents(sourceSignals, Array(deliveries.dropFirst(signals.count)))
        var toKinesis = 0, toFallback = 0, failed = 0
        for (entry, delivery) in zip(signals, deliveries) {
            let ticket = claimed[entry.position].ticket
            switch delivery {
            case .kinesis, .fallback:
                if delivery == .kinesis { toKinesis += 1 } else { toFallback += 1 }
                completions.append((entry.position, ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: entry.signal.signalId),
                                                                    lastModified: entry.head.lastModified, versionId: entry.head.versionId,
                                                                    eTag: entry.head.eTag)))
            case .failed:
                failed += 1
                toRelease.append(ticket)
                results[entry.position] = .retryLater(.sink)
            }
        }
        statistics.update {
            $0.signalsToKinesis += toKinesis
            $0.signalsToFallback += toFallback
            $0.signalsFailed += failed
        }

        if !toRelease.isEmpty {
            do {
                try await store.release(toRelease)
            } catch {
                // The leases run out on their own; a later delivery takes the claims over.
                logger.notice("cannot release claims; they expire with their lease", metadata: ["error": "\(error)"])
            }
        }

        // Complete, retrying a store hiccup: the signals are out, so recording that matters.
        if !completions.isEmpty {
            var answers: [Bool]?
            var attempt = 0
            let retry = RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(200), maximumDelay: .seconds(2))
            while answers == nil, attempt < retry.maximumAttempts {
                // Cancelled: stop at once (the messages come back), not four attempts back to back.
                if attempt > 0, (try? await clock.sleep(for: retry.delay(retry: attempt, clock: clock))) == nil { break }
                attempt += 1
                do {
                    answers = try await store.complete(completions.map(\.completion))
                } catch {
                    logger.warning("cannot record completed work (attempt \(attempt))", metadata: ["error": "\(error)"])
                }
            }
            if let answers {
                var lost = 0
                for (entry, stillOurs) in zip(completions, answers) {
                    if !stillOurs { lost += 1 }
                    results[entry.position] = .done(stillOurs ? ObjectResult.Finished(entry.completion.outcome) : .leaseLost)
                }
                if lost > 0 { statistics.update { $0.leasesLost += lost } }
            } else {
                statistics.update { $0.storeErrors += 1 }
                for entry in completions { results[entry.position] = .retryLater(.store) }
            }
        }
        return results
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

    /// Renews `tickets` every half lease until cancelled.
    private func renewLeases(_ tickets: [ClaimTicket]) async {
        let interval = lease / 2
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: interval)
                _ = try await store.renew(tickets, lease: lease)
            } catch is CancellationError {
                return
            } catch {
                logger.notice("cannot renew claim leases", metadata: ["error": "\(error)"])
            }
        }
    }

    var producerName: String { "edal/\(EDALVersion.current) \(owner)" }

    /// Publishes source events found outside an object batch (silences; resumptions found while
    /// syncing baselines), counted like those found in a batch.
    public func publishSourceEvents(_ events: [SourceEvent], via: String) async {
        guard !events.isEmpty else { return }
        let signals = events.map { SignalBuilder.sourceSignal($0, via: via, mode: mode, producer: producerName) }
        tallySourceEvents(signals, await publish(signals))
    }

    /// Publishes, and tells the observer which signals reached a sink (the operator page's list).
    private func publish(_ signals: [Signal]) async -> [SignalDelivery] {
        let deliveries = await publisher.publish(signals)
        if let observer = statistics.observer {
            observer.signalsDelivered(zip(signals, deliveries).filter { $0.1.isDelivered }.map(\.0))
        }
        return deliveries
    }

    /// Counts source events by where they went. One that no sink took is logged and not retried:
    /// the event is not derived again when its object is.
    private func tallySourceEvents(_ signals: [Signal], _ deliveries: [SignalDelivery]) {
        guard !signals.isEmpty else { return }
        var toKinesis = 0, toFallback = 0, failed = 0
        for (signal, delivery) in zip(signals, deliveries) {
            switch delivery {
            case .kinesis: toKinesis += 1
            case .fallback: toFallback += 1
            case .failed:
                failed += 1
                logger.error("a source event reached no sink", metadata: ["signal_id": "\(signal.signalId)", "check": "\(signal.check)"])
            }
        }
        statistics.update {
            $0.sourceEvents += signals.count
            $0.signalsToKinesis += toKinesis
            $0.signalsToFallback += toFallback
            $0.signalsFailed += failed
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
