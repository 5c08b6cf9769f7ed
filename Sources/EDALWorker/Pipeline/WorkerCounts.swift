/// What a worker has done since it started: the figures of `edal drain`'s summary and of the metrics.
public struct WorkerCounts: Sendable, Equatable {
    public var messagesReceived = 0
    public var messagesDeleted = 0
    /// Messages given back to the queue unfinished (on shutdown or cancellation; work failing on a
    /// dependency is held and tried again instead).
    public var messagesReturned = 0
    /// Times held work (failing on a dependency, or held by another worker) was tried again in place.
    public var heldRetries = 0
    /// Malformed messages, counted on their first receive: each ends in the dead-letter queue.
    public var malformedMessages = 0
    /// Receives of malformed messages, repeats included.
    public var malformedReceives = 0
    public var testEvents = 0
    /// Records of other event types (removals, …), acknowledged without work.
    public var ignoredRecords = 0
    /// Object records for a bucket outside `EDAL_ALLOWED_BUCKETS`, on their message's first receive:
    /// never HEADed, claimed or signalled; their messages go the malformed way, to the DLQ.
    public var rejectedRecords = 0
    /// Object records whose event names a bucket owner other than `EDAL_EXPECTED_BUCKET_OWNER`'s
    /// account, on their message's first receive: handled like `rejectedRecords`.
    public var ownerMismatchRecords = 0
    /// HEADs S3 refused (403): not retried in place; their messages go the way of the malformed.
    public var refusedHeads = 0
    public var visibilityExtensions = 0
    public var emptyReceives = 0

    public var objects = 0
    public var claimed = 0
    public var takenOver = 0
    public var duplicates = 0
    public var inProgress = 0
    public var stale = 0
    public var superseded = 0
    public var objectsGone = 0
    public var scored = 0
    public var anomalies = 0
    /// Source events signalled: new sources, resumed sources, bursts, silences.
    public var sourceEvents = 0
    public var signalsToKinesis = 0
    public var signalsToFallback = 0
    public var signalsFailed = 0
    /// Claims whose lease ran out before completion (another worker took them over).
    public var leasesLost = 0

    public var headRequests = 0
    public var storeErrors = 0
    public var headErrors = 0
    public var receiveErrors = 0
    public var deleteErrors = 0

    public init() {}

    /// Every failure that left work undone.
    public var errors: Int { storeErrors + headErrors + signalsFailed + receiveErrors + deleteErrors }
}
