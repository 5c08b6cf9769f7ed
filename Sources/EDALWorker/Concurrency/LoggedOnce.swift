import NIOConcurrencyHelpers

/// Remembers which names were already logged, so a repeated problem is said once per name. Holds
/// at most `capacity` names: the names come from notifications (rejected buckets), which anyone
/// able to write to the queue chooses, so when it is full it starts again, empty — a name may
/// then be said once more, and memory stays bounded.
final class LoggedOnce: Sendable {
    let capacity: Int
    private let seen = NIOLockedValueBox(Set<String>())

    init(capacity: Int = 1_024) {
        self.capacity = capacity
    }

    /// `true` the first time `name` is inserted (since the set last started again).
    func insert(_ name: String) -> Bool {
        seen.withLockedValue { seen in
            if seen.contains(name) { return false }
            if seen.count >= capacity { seen.removeAll(keepingCapacity: true) }
            seen.insert(name)
            return true
        }
    }

    /// Names held now.
    var count: Int { seen.withLockedValue { $0.count } }
}
