import Foundation

/// The rules every store applies when a worker claims an object, in one place.
///
/// Given what the store holds for the key (if anything), a claim:
/// 1. is **stale** when both sides carry a sequencer and the stored one is later (S3 orders writes to
///    one key by sequencer);
/// 2. **claims** the object when nothing is stored, or the stored ETag differs (new content);
/// 3. **takes over** a claim on the same ETag still `processing` whose lease has run out (its worker died);
/// 4. is a **duplicate** otherwise: the same content is done, or (`inProgress`) held under a live lease.
///
/// The same ETag is a duplicate whatever the sequencer: a sweep may have processed the content before
/// its notification arrives, and processing it twice would signal twice.
enum ClaimRules {
    /// What a store holds for one key, as far as the decision needs it.
    struct Held: Sendable, Equatable {
        var eTag: String
        var orderedSequencer: String?
        var status: StoredClaim.Status
        var leaseExpiresAt: Date?
    }

    enum Decision: Sendable, Equatable {
        case insert
        case newContent
        case takeOver
        case duplicate
        case stale
    }

    static func decide(_ request: ClaimRequest, held: Held?, now: Date) -> Decision {
        guard let held else { return .insert }
        if isStale(request, heldSequencer: held.orderedSequencer) { return .stale }
        if held.eTag != request.eTag { return .newContent }
        if held.status == .processing, (held.leaseExpiresAt ?? .distantPast) < now { return .takeOver }
        return .duplicate
    }

    static func isStale(_ request: ClaimRequest, heldSequencer: String?) -> Bool {
        guard let mine = request.orderedSequencer, let held = heldSequencer else { return false }
        return held > mine
    }
}
