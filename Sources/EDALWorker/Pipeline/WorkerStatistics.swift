import NIOConcurrencyHelpers

/// The running counts of one worker process, updated from every task.
public final class WorkerStatistics: Sendable {
    private let counts = NIOLockedValueBox(WorkerCounts())
    /// Who hears of latencies and levels (the metrics, when exported).
    public let observer: (any WorkerObserver)?

    public init(observer: (any WorkerObserver)? = nil) {
        self.observer = observer
    }

    /// Applies `change` under the lock.
    public func update(_ change: (inout WorkerCounts) -> Void) {
        counts.withLockedValue { change(&$0) }
    }

    /// A consistent copy of the counts.
    public var snapshot: WorkerCounts {
        counts.withLockedValue { $0 }
    }
}
