import EDALAWS

/// How `QueueWorker` consumes the notification queue.
public struct QueueWorkerConfiguration: Sendable {
    /// Stop once the queue is empty instead of running until told to stop (`edal drain`).
    public struct Drain: Sendable, Equatable {
        /// Consecutive empty receives before the queue's attributes are checked.
        public var emptyReceives: Int
        /// Long-poll wait while draining: short, so an empty queue is noticed quickly.
        public var waitTimeSeconds: Int
        /// Give up when nothing was received or finished for this long although messages remain
        /// (e.g. held by other consumers or failing); the summary then reports them as left undone.
        public var idleTimeout: Duration

        public init(emptyReceives: Int = 3, waitTimeSeconds: Int = 1, idleTimeout: Duration = .seconds(90)) {
            self.emptyReceives = max(1, emptyReceives)
            self.waitTimeSeconds = min(max(0, waitTimeSeconds), 20)
            self.idleTimeout = idleTimeout
        }
    }

    public var queueURL: String
    /// Receive loops running at once; each asks for 10 messages per long poll.
    public var pollers: Int
    /// Messages in work at most (back-pressure: receiving pauses while this many are being processed).
    public var maximumMessagesInWork: Int
    /// Seconds a received message stays hidden; extended at half-time while its work goes on.
    public var visibilityTimeout: Int
    /// Long-poll wait (0…20 s).
    public var waitTimeSeconds: Int
    /// After SIGTERM: how long in-flight work may take to finish before it is abandoned (not deleted).
    public var shutdownDeadline: Duration
    public var drain: Drain?
    /// Buckets whose notifications are acted on; any other's go the malformed way, to the DLQ.
    public var allowedBuckets = BucketAllowList([])
    /// The accounts buckets must belong to; a record whose event names another account is rejected.
    public var expectedBucketOwners = S3ExpectedBucketOwners.none
    /// Time for back-offs, heartbeats, deadlines and idle timeouts (virtual in the simulation).
    public var clock: any WorkerClock = SystemClock()

    public init(
        queueURL: String, pollers: Int = 4, maximumMessagesInWork: Int = 200, visibilityTimeout: Int = 30,
        waitTimeSeconds: Int = 20, shutdownDeadline: Duration = .seconds(20), drain: Drain? = nil
    ) {
        self.queueURL = queueURL
        self.pollers = max(1, pollers)
        self.maximumMessagesInWork = max(10, maximumMessagesInWork)
        self.visibilityTimeout = max(2, visibilityTimeout)
        self.waitTimeSeconds = min(max(0, waitTimeSeconds), 20)
        self.shutdownDeadline = shutdownDeadline
        self.drain = drain
    }
}
