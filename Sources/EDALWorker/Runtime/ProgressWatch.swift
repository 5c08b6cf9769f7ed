import EDALState
import NIOConcurrencyHelpers

/// Whether the worker's receive loops are stuck: what `/healthz` answers. Progress is any receive
/// answered (empty, failed or not), any message deleted or handed back, any held work tried again.
/// Stuck means no progress for `timeout` while the queue last showed visible messages: a worker
/// waiting out a dependency outage still makes progress (its retries count), so only a loop that
/// has stopped altogether — a hung call, a deadlock — makes the kubelet restart the container.
public final class ProgressWatch: Sendable {
    public let timeout: Duration
    private let state = NIOLockedValueBox<(mark: Int, since: ContinuousClock.Instant)?>(nil)

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// What `counts` say has happened, as one number that grows with any progress.
    public static func mark(_ counts: WorkerCounts) -> Int {
        counts.messagesReceived + counts.emptyReceives + counts.receiveErrors + counts.malformedReceives
            + counts.messagesDeleted + counts.messagesReturned + counts.heldRetries + counts.deleteErrors
    }

    /// How long nothing has moved, judged now from `counts`.
    public func unchanged(_ counts: WorkerCounts, now: ContinuousClock.Instant = .now) -> Duration {
        let mark = Self.mark(counts)
        return state.withLockedValue { state in
            if let current = state, current.mark == mark { return current.since.duration(to: now) }
            state = (mark, now)
            return .zero
        }
    }

    /// `nil` when the loops are moving (or the queue shows nothing waiting), else what is wrong.
    public func problem(_ counts: WorkerCounts, queueWaiting: Int?, now: ContinuousClock.Instant = .now) -> String? {
        let still = unchanged(counts, now: now)
        guard still >= timeout, let waiting = queueWaiting, waiting > 0 else { return nil }
        return
            "stalled: no receive answered and no message finished for \(Int(still.seconds)) s while \(waiting) messages wait in the queue"
    }
}
