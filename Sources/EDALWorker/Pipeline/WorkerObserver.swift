import Foundation

/// What the worker reports as it goes besides its counts: how long things took, and levels.
/// `WorkerMetrics` exports these to Prometheus; with no metrics port nobody observes, and the
/// pipeline, the worker and the sweep hold only this protocol, not a metrics registry.
public protocol WorkerObserver: Sendable {
    /// One HEAD request took `duration`.
    func headFinished(after duration: Duration)
    /// Judging `objects` objects took `duration` in all.
    func objectsJudged(_ objects: Int, in duration: Duration)
    /// A message first received at `received` was sent at `sent` (milliseconds since 1970).
    func messageArrived(sentMilliseconds sent: Int64, receivedMilliseconds received: Int64)
    /// `messages` messages were handled, each in `duration`.
    func messagesHandled(_ messages: Int, after duration: Duration)
    /// Messages (and, when known, objects) in work now.
    func inWork(messages: Int, objects: Int?)
    /// The queue holds `messages` waiting, and the store has been asked `roundTrips` times.
    func queueDepth(waiting messages: Int?, storeRoundTrips roundTrips: UInt64)
    /// A sweep ended with `report` at `seconds` since 1970.
    func sweepEnded(_ report: SweepReport, at seconds: Double)
    /// The dead-letter queue holds `messages` (every 15 s, when the queue has one).
    func deadLetterDepth(_ messages: Int)
    /// The sources this worker knows, by state (`learning`, `normal`, `silent`).
    func sources(byState counts: [String: Int])
    /// These signals reached a sink.
    func signalsDelivered(_ signals: [Signal])
}
