import Foundation

/// The rules every store applies when a worker claims an object, in one place.
///
/// Given what the store holds for the key (if anything), a claim:
/// 1. is **stale** when both sides carry a sequencer and the stored one is later (S3 orders writes to
///    one key by sequencer), or when the request's write finished (`eventTime`) before the stored
///    LastModified — the content recorded was written after it (a write's LastModified is never
///    later than when it finished, so a newer write is never called stale);
/// 2. **claims** the object when nothing is stored, or holds other content: another ETag, or the same
///    ETag written again — another version id, or (from a listing) a later LastModified than recorded —
///    since an overwrite with the same body keeps its ETag but may carry other metadata; or when the
///    content recorded was never seen (its object was gone by the time it was HEADed: deleted, then
///    perhaps uploaded again with the same bytes, which must not count as already signalled);
/// 3. **takes over** a claim on the same ETag still `processing` whose lease has run out (its worker died);
/// 4. is a **duplicate** otherwise: the same content is done, or (`inProgress`) held under a live lease.
///
/// The same ETag is a duplicate whatever the sequencer: a sweep may have processed the content before
/// its notification arrives, and processing it twice would signal twice. So an unversioned overwrite
/// with the same ETag is recognised only by the sweep, from its LastModified (whole seconds).
enum ClaimRules {
    /// What a store holds for one key, as far as the decision needs it.
    struct Held: Sendable, Equatable {
        var eTag: String
        var orderedSequencer: String?
        var status: StoredClaim.Status
        var leaseExpiresAt: Date?
        var versionId: String?
        var lastModified: Date?
        /// The work on the recorded content ended with the object gone (`object_gone`): nothing was
        /// signalled for it, so the same content arriving again is new.
        var gone = false
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
        if isStale(request, heldSequencer: held.orderedSequencer, heldLastModified: held.lastModified) { return .stale }
        if held.eTag != request.eTag || isRewrite(request, held: held) || (held.gone && held.status == .done) { return .newContent }
        if held.status == .processing, (held.leaseExpiresAt ?? .distantPast) < now { return .takeOver }
        return .duplicate
    }

    /// The same ETag written again: another version id, or a later LastModified, where both sides know it.
    static func isRewrite(_ request: ClaimRequest, held: Held) -> Bool {
        if let mine = request.versionId, let theirs = held.versionId, mine != theirs { return true }
        if let mine = request.lastModified, let theirs = held.lastModified, mine > theirs { return true }
        return false
    }

    static func isStale(_ request: ClaimRequest, heldSequencer: String?, heldLastModified: Date?) -> Bool {
        if let mine = request.orderedSequencer, let held = heldSequencer, held > mine { return true }
        if let finished = request.eventTime, let held = heldLastModified, finished < held { return true }
        return false
    }
}
