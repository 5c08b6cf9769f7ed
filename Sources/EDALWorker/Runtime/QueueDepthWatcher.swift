import EDALAWS
import Foundation

/// Refreshes the queue-depth gauges (the queue's and its dead-letter queue's waiting messages)
/// every `interval` until shutdown.
public struct QueueDepthWatcher: Sendable {
    public var sqs: SQSClient
    public var queueURL: String
    public var observer: any WorkerObserver
    /// The store's round trips, reported with the depth.
    public var storeRoundTrips: @Sendable () -> UInt64
    public var interval: Duration = .seconds(15)
    /// How often a dead-letter queue not found yet is looked up again.
    public var lookUpInterval: Duration = .seconds(600)
    public var clock: any WorkerClock = SystemClock()

    public init(
        sqs: SQSClient, queueURL: String, observer: any WorkerObserver,
        storeRoundTrips: @escaping @Sendable () -> UInt64
    ) {
        self.sqs = sqs
        self.queueURL = queueURL
        self.observer = observer
        self.storeRoundTrips = storeRoundTrips
    }

    public func run(shutdown: ShutdownSignal) async {
        var deadLetterURL: String?
        var lookedUp: Duration?
        repeat {
            observer.queueDepth(waiting: await depth(of: queueURL), storeRoundTrips: storeRoundTrips())
            // The dead-letter queue, from the redrive policy (looked up again until found).
            if deadLetterURL == nil, lookedUp.map({ clock.elapsed - $0 >= lookUpInterval }) ?? true {
                lookedUp = clock.elapsed
                deadLetterURL = await DeadLetterQueue.url(of: queueURL, sqs: sqs)
            }
            if let deadLetterURL, let depth = await depth(of: deadLetterURL) { observer.deadLetterDepth(depth) }
        } while await shutdown.sleep(for: interval, clock: clock)
    }

    private func depth(of url: String) async -> Int? {
        try? await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.approximateNumberOfMessages])[
            SQSQueueAttribute.approximateNumberOfMessages
        ].flatMap { Int($0) }
    }
}
