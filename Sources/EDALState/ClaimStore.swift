import Foundation

/// Object claims: which worker handles which object, so that each content is signalled once.
/// The rules a claim follows are `ClaimRules`, the same for every implementation.
public protocol ClaimStore: Sendable {
    /// Claims every object of `requests` for `owner`, each for `lease`; answers per object, in order.
    ///
    /// Exactly one of several concurrent claimers of the same content wins. The same object twice
    /// in one call is answered `duplicate` the second time.
    func claim(_ requests: [ClaimRequest], owner: String, lease: Duration) async throws -> [ClaimOutcome]

    /// Records how the work on each claim ended; answers, per completion, whether the claim was still
    /// ours (`false`: its lease ran out and another worker took it over).
    func complete(_ completions: [ClaimCompletion]) async throws -> [Bool]

    /// Gives claims back after a failure so the objects can be claimed again at once.
    func release(_ tickets: [ClaimTicket]) async throws

    /// Extends the leases of claims still in work; answers per ticket whether it was still ours.
    func renew(_ tickets: [ClaimTicket], lease: Duration) async throws -> [Bool]

    /// The claim the store holds for `bucket`/`key`, if any.
    func storedClaim(bucket: String, key: String) async throws -> StoredClaim?
}
