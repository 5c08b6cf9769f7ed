import Foundation

/// A named lease in the state store: while its holder keeps it, no other replica does the work it
/// guards (a location's sweep, a silence check).
public struct Lease: Sendable, Equatable {
    public var name: String
    public var owner: String
    /// Proves the holder: renewing and releasing need it, so a lease taken over after it ran out
    /// cannot be renewed or released by its previous holder.
    public var token: String

    public init(name: String, owner: String, token: String) {
        self.name = name
        self.owner = owner
        self.token = token
    }
}

/// Leases by name, judged on the store's clock: one holder at a time, until it releases the lease
/// or its time runs out.
public protocol LeaseStore: Sendable {
    /// Takes the lease `name` for `owner` for `ttl`, unless someone holds it whose time has not run
    /// out (its owner too: a lease is not re-entrant). `nil` when it is held.
    func acquireLease(_ name: String, owner: String, ttl: Duration) async throws -> Lease?

    /// Extends `lease` to `ttl` from now; `false` when it is no longer held by it.
    func renewLease(_ lease: Lease, ttl: Duration) async throws -> Bool

    /// Gives `lease` up at once (nothing happens when it is no longer held by it).
    func releaseLease(_ lease: Lease) async throws
}

extension Lease {
    /// A fresh token for a lease taken now (every store's, so that none can guess another's).
    public static func newToken() -> String { UUID().uuidString }
}
