import EDALAWS
import Metrics
import NIOConcurrencyHelpers

/// The worker's metrics through swift-metrics (exported in Prometheus format by `MetricsServer`).
///
/// Names follow Prometheus's conventions: the `edal_` prefix, the unit in the name (`_seconds`,
/// `_ratio`), counters ending `_total`; where Filebeat's `aws-s3` input has the same figure, the rest
/// of the name is its (`edal_sqs_messages_received_total`). `MetricHelp` gives each its HELP text.
/// Counters are brought up to date from `WorkerStatistics` (`sync`), so the hot path counts once;
/// latencies are recorded where they happen.
public final class WorkerMetrics: Sendable {
    // Filebeat aws-s3 names.
    let messagesReceived = Counter(label: "edal_sqs_messages_received_total")
    let messagesProcessed = Counter(label: "edal_sqs_messages_processed_total")
    let messagesDeleted = Counter(label: "edal_sqs_messages_deleted_total")
    let messagesReturned = Counter(label: "edal_sqs_messages_returned_total")
    let visibilityExtensions = Counter(label: "edal_sqs_visibility_timeout_extensions_total")
    let messagesInflight = Gauge(label: "edal_sqs_messages_in_work")
    let messagesWaiting = Gauge(label: "edal_sqs_messages_waiting")
    let workerUtilization = Gauge(label: "edal_sqs_worker_utilization_ratio")
    let processingTime = Metrics.Timer(label: "edal_sqs_message_processing_seconds")
    let lagTime = Metrics.Timer(label: "edal_sqs_lag_seconds")
    let objectsRequested = Counter(label: "edal_s3_objects_requested_total")
    let objectsListed = Counter(label: "edal_s3_objects_listed_total")
    let objectsProcessed = Counter(label: "edal_s3_objects_processed_total")
    let eventsCreated = Counter(label: "edal_s3_events_created_total")

    // EDAL's own.
    let claims: [String: Counter]
    let signals: [String: Counter]
    let errors: [String: Counter]
    let anomalies = Counter(label: "edal_anomalies_total")
    let malformed = Counter(label: "edal_malformed_messages_total")
    let heldRetries = Counter(label: "edal_held_retries_total")
    let testEvents = Counter(label: "edal_test_events_total")
    let ignoredRecords = Counter(label: "edal_ignored_records_total")
    let rejectedRecords = Counter(
        label: "edal_rejected_records_total", dimensions: [("reason", RecordRejection.bucketNotAllowed.rawValue)])
    let ownerMismatches = Counter(
        label: "edal_rejected_records_total", dimensions: [("reason", RecordRejection.ownerMismatch.rawValue)])
    let refusedHeads = Counter(label: "edal_rejected_records_total", dimensions: [("reason", "head_refused")])
    let headLatency = Metrics.Timer(label: "edal_head_latency_seconds")
    let scoringLatency = Metrics.Timer(label: "edal_scoring_latency_seconds")
    let storeRoundTrips = Counter(label: "edal_store_round_trips_total")
    private let storeRoundTripsSynced = NIOLockedValueBox<UInt64>(0)
    let sweepRuns = Counter(label: "edal_sweep_runs_total")
    let sweepCandidates = Counter(label: "edal_sweep_candidates_total")
    let sweepUnfinished = Counter(label: "edal_sweep_unfinished_total")
    let sweepLastCompleted = Gauge(label: "edal_sweep_last_completed_timestamp_seconds")
    let deadLetterMessages = Gauge(label: "edal_sqs_dead_letter_messages")
    /// The newest signals published, for the operator page.
    public let recentSignals = RecentSignals()
    /// The last levels reported, for the operator page (gauges cannot be read back).
    private let levels = NIOLockedValueBox(Levels())

    /// The worker's levels as last reported.
    public struct Levels: Sendable, Codable, Equatable {
        public var queueWaiting: Int?
        public var deadLetterWaiting: Int?
        public var messagesInWork = 0
        public var objectsInWork: Int?
        /// How long the last message received had waited in the queue (SentTimestamp to receipt).
        public var lastMessageAgeSeconds: Double?

        public init() {}
    }

    public var lastLevels: Levels { levels.withLockedValue { $0 } }
    let sourceStates = Dictionary(
        uniqueKeysWithValues: ["learning", "normal", "silent"].map {
            ($0, Gauge(label: "edal_sources", dimensions: [("state", $0)]))
        })

    private let synced = NIOLockedValueBox(WorkerCounts())
    private let maximumInWork: Int

    public init(maximumMessagesInWork: Int = 200) {
        maximumInWork = max(1, maximumMessagesInWork)
        claims = Dictionary(
            uniqueKeysWithValues: ["claimed", "taken_over", "duplicate", "in_progress", "stale"].map {
                ($0, Counter(label: "edal_claims_total", dimensions: [("outcome", $0)]))
            })
        signals = Dictionary(
            uniqueKeysWithValues: ["kinesis", "fallback", "failed"].map {
                ($0, Counter(label: "edal_signals_total", dimensions: [("sink", $0)]))
            })
        errors = Dictionary(
            uniqueKeysWithValues: ["store", "head", "sink", "receive", "delete"].map {
                ($0, Counter(label: "edal_errors_total", dimensions: [("kind", $0)]))
            })
    }

    /// Adds to each counter what `counts` gained since the last call.
    public func sync(from counts: WorkerCounts) {
        let previous = synced.withLockedValue { last -> WorkerCounts in
            defer { last = counts }
            return last
        }
        func add(_ counter: Counter, _ now: Int, _ before: Int) {
            if now > before { counter.increment(by: now - before) }
        }
        add(messagesReceived, counts.messagesReceived, previous.messagesReceived)
        add(messagesDeleted, counts.messagesDeleted, previous.messagesDeleted)
        add(
            messagesReturned, counts.messagesReturned + counts.malformedReceives,
            previous.messagesReturned + previous.malformedReceives)
        add(
            messagesProcessed, counts.messagesDeleted + counts.messagesReturned + counts.malformedReceives,
            previous.messagesDeleted + previous.messagesReturned + previous.malformedReceives)
        add(visibilityExtensions, counts.visibilityExtensions, previous.visibilityExtensions)
        add(objectsRequested, counts.headRequests, previous.headRequests)
        add(
            objectsProcessed, counts.scored + counts.objectsGone + counts.superseded,
            previous.scored + previous.objectsGone + previous.superseded)
        add(eventsCreated, counts.objects, previous.objects)
        add(anomalies, counts.anomalies, previous.anomalies)
        add(malformed, counts.malformedMessages, previous.malformedMessages)
        add(heldRetries, counts.heldRetries, previous.heldRetries)
        add(testEvents, counts.testEvents, previous.testEvents)
        add(ignoredRecords, counts.ignoredRecords, previous.ignoredRecords)
        add(rejectedRecords, counts.rejectedRecords, previous.rejectedRecords)
        add(refusedHeads, counts.refusedHeads, previous.refusedHeads)
        add(ownerMismatches, counts.ownerMismatchRecords, previous.ownerMismatchRecords)
        for (outcome, now, before) in [
            ("claimed", counts.claimed, previous.claimed), ("taken_over", counts.takenOver, previous.takenOver),
            ("duplicate", counts.duplicates, previous.duplicates),
            ("in_progress", counts.inProgress, previous.inProgress),
            ("stale", counts.stale, previous.stale),
        ] {
            if let counter = claims[outcome] { add(counter, now, before) }
        }
        for (sink, now, before) in [
            ("kinesis", counts.signalsToKinesis, previous.signalsToKinesis),
            ("fallback", counts.signalsToFallback, previous.signalsToFallback),
            ("failed", counts.signalsFailed, previous.signalsFailed),
        ] {
            if let counter = signals[sink] { add(counter, now, before) }
        }
        for (kind, now, before) in [
            ("store", counts.storeErrors, previous.storeErrors), ("head", counts.headErrors, previous.headErrors),
            ("sink", counts.signalsFailed, previous.signalsFailed),
            ("receive", counts.receiveErrors, previous.receiveErrors),
            ("delete", counts.deleteErrors, previous.deleteErrors),
        ] {
            if let counter = errors[kind] { add(counter, now, before) }
        }
    }

    private let awsSynced = NIOLockedValueBox<(requests: [String: Int], retries: [AWSRetry: Int])>(([:], [:]))

    /// Adds to `edal_aws_requests_total{operation}` and `edal_aws_retries_total{operation,reason}`
    /// what the HTTP client counted since the last call.
    public func sync(requests: [String: Int], retries: [AWSRetry: Int]) {
        let previous = awsSynced.withLockedValue { last -> (requests: [String: Int], retries: [AWSRetry: Int]) in
            defer { last = (requests, retries) }
            return last
        }
        for (operation, count) in requests where count > previous.requests[operation, default: 0] {
            Counter(label: "edal_aws_requests_total", dimensions: [("operation", operation)])
                .increment(by: count - previous.requests[operation, default: 0])
        }
        for (retry, count) in retries where count > previous.retries[retry, default: 0] {
            Counter(
                label: "edal_aws_retries_total",
                dimensions: [("operation", retry.operation), ("reason", retry.reason.rawValue)]
            )
            .increment(by: count - previous.retries[retry, default: 0])
        }
    }

}

extension WorkerMetrics: WorkerObserver {
    public func headFinished(after duration: Duration) {
        headLatency.recordNanoseconds(duration.nanoseconds)
    }

    public func objectsJudged(_ objects: Int, in duration: Duration) {
        guard objects > 0 else { return }
        scoringLatency.recordNanoseconds(duration.nanoseconds / Int64(objects))
    }

    /// Time from `SentTimestamp` to the first receive.
    public func messageArrived(sentMilliseconds sent: Int64, receivedMilliseconds received: Int64) {
        guard received >= sent else { return }
        lagTime.recordMilliseconds(received - sent)
        levels.withLockedValue { $0.lastMessageAgeSeconds = Double(received - sent) / 1_000 }
    }

    public func messagesHandled(_ messages: Int, after duration: Duration) {
        let elapsed = duration.nanoseconds
        for _ in 0..<messages { processingTime.recordNanoseconds(elapsed) }
    }

    public func inWork(messages: Int, objects: Int?) {
        messagesInflight.record(messages)
        workerUtilization.record(Double(messages) / Double(maximumInWork))
        levels.withLockedValue {
            $0.messagesInWork = messages
            if let objects { $0.objectsInWork = objects }
        }
    }

    public func queueDepth(waiting messages: Int?, storeRoundTrips roundTrips: UInt64) {
        if let messages {
            messagesWaiting.record(messages)
            levels.withLockedValue { $0.queueWaiting = messages }
        }
        let added = storeRoundTripsSynced.withLockedValue { synced -> UInt64 in
            defer { synced = max(synced, roundTrips) }
            return roundTrips > synced ? roundTrips - synced : 0
        }
        if added > 0 { storeRoundTrips.increment(by: Int64(clamping: added)) }
    }

    public func deadLetterDepth(_ messages: Int) {
        deadLetterMessages.record(messages)
        levels.withLockedValue { $0.deadLetterWaiting = messages }
    }

    public func signalsDelivered(_ signals: [Signal]) {
        recentSignals.record(signals)
    }

    public func sources(byState counts: [String: Int]) {
        for (state, gauge) in sourceStates { gauge.record(counts[state] ?? 0) }
    }

    public func sweepEnded(_ report: SweepReport, at seconds: Double) {
        guard report.swept else { return }
        sweepRuns.increment()
        objectsListed.increment(by: report.objectsListed)
        sweepCandidates.increment(by: report.candidates)
        sweepUnfinished.increment(by: report.unfinished)
        if report.watermarkAdvanced { sweepLastCompleted.record(seconds) }
    }
}
