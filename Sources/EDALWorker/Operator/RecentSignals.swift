import NIOConcurrencyHelpers

/// The newest signals this replica published (at most `capacity`), for the operator page: a ring
/// kept in memory, so it starts empty when the replica starts.
public final class RecentSignals: Sendable {
    public let capacity: Int
    private let ring: NIOLockedValueBox<[Signal]>

    public init(capacity: Int = 1_000) {
        self.capacity = max(1, capacity)
        ring = NIOLockedValueBox([])
    }

    /// Records the signals that reached a sink.
    public func record(_ signals: [Signal]) {
        guard !signals.isEmpty else { return }
        ring.withLockedValue { ring in
            ring.append(contentsOf: signals.suffix(capacity))
            if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
        }
    }

    /// Newest first.
    public var newestFirst: [Signal] { ring.withLockedValue { $0.reversed() } }
}
