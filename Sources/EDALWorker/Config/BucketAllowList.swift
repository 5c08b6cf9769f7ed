/// The buckets (and prefixes) EDAL may act on: a notification for any other is never HEADed,
/// claimed or signalled, however it reached the queue (a misconfigured bucket, a forged message).
/// Empty: every bucket, which EDAL warns about at start-up.
public struct BucketAllowList: Sendable, Equatable, CustomStringConvertible {
    public var locations: [WatchedLocation]

    public init(_ locations: [WatchedLocation]) {
        self.locations = locations
    }

    /// Every bucket is allowed.
    public var isOpen: Bool { locations.isEmpty }

    /// Whether `key` in `bucket` is inside the list.
    public func permits(bucket: String, key: String) -> Bool {
        isOpen || locations.contains { $0.bucket == bucket && key.hasPrefix($0.prefix) }
    }

    public var description: String { isOpen ? "every bucket" : locations.map(\.description).joined(separator: ", ") }
}
