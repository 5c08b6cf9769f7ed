import NIOConcurrencyHelpers

/// Remembers which names were already logged, so a repeated problem is said once per name.
final class LoggedOnce: Sendable {
    private let seen = NIOLockedValueBox(Set<String>())

    /// `true` the first time `name` is inserted.
    func insert(_ name: String) -> Bool {
        seen.withLockedValue { $0.insert(name).inserted }
    }
}
