import NIOConcurrencyHelpers

/// The running counts of one worker process, updated from every task.
public final class WorkerStatistics: Sendable {
    private let counts = NIOLockedValueBox(WorkerCounts())
    /// Where latencies and gauges are recorded, when metrics are exported.
    public let metrics: WorkerMetrics?

    public init(metrics: WorkerMetrics? = nil) {
        self.metrics = metrics
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
