import Foundation

/// A store that deletes expired claims when asked (SQLite). MongoDB needs no asking: its TTL index
/// on `expiresAt` has the server delete them.
///
/// Claims carry an expiry when the store was opened with a claim retention (see `ClaimRetention`);
/// a claim past it is forgotten, so the same content delivered again after that is claimed anew.
public protocol ClaimPruning: ClaimStore {
    /// Deletes at most `limit` claims whose expiry is before `now`, in one transaction; answers how
    /// many it deleted (fewer than `limit`: none is left to delete).
    func pruneExpiredClaims(now: Date, limit: Int) async throws -> Int
}
