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

    /// A condition on what a store holds for a key, as data: `decide` evaluates it here, and
    /// MongoDB's claim statements are generated from the same conditions (`MongoClaimFilter`), so
    /// the rules are written once.
    indirect enum Condition: Sendable, Equatable {
        case all([Condition])
        case any([Condition])
        case not(Condition)
        /// The held sequencer is known and later than this one.
        case sequencerAfter(String)
        /// The held LastModified is known and later than this time.
        case lastModifiedAfter(Date)
        /// The held LastModified is known and earlier than this time.
        case lastModifiedBefore(Date)
        case eTagDiffers(String)
        /// The held version id is known and another.
        case versionIdDiffers(String)
        /// Done with the object gone when it was HEADed.
        case gone
        /// Processing under a lease that ran out before this time.
        case processingLeaseExpired(Date)
    }

    /// The event is stale: the recorded content is newer (rule 1).
    static func stale(_ request: ClaimRequest) -> Condition {
        var either: [Condition] = []
        if let sequencer = request.orderedSequencer { either.append(.sequencerAfter(sequencer)) }
        if let finished = request.eventTime { either.append(.lastModifiedAfter(finished)) }
        return .any(either)
    }

    /// The held content is other than the request's (rule 2).
    static func otherContent(_ request: ClaimRequest) -> Condition {
        var either: [Condition] = [.eTagDiffers(request.eTag)]
        if let versionId = request.versionId { either.append(.versionIdDiffers(versionId)) }
        if let lastModified = request.lastModified { either.append(.lastModifiedBefore(lastModified)) }
        either.append(.gone)
        return .any(either)
    }

    /// When a held claim is won as new content.
    static func winsAsNewContent(_ request: ClaimRequest) -> Condition {
        .all([.not(stale(request)), otherContent(request)])
    }

    /// When a held claim is taken over (rule 3): the same content, its worker's lease run out.
    static func winsByTakeOver(_ request: ClaimRequest, now: Date) -> Condition {
        .all([.not(stale(request)), .not(otherContent(request)), .processingLeaseExpired(now)])
    }

    static func decide(_ request: ClaimRequest, held: Held?, now: Date) -> Decision {
        guard let held else { return .insert }
        if held.satisfies(stale(request)) { return .stale }
        if held.satisfies(winsAsNewContent(request)) { return .newContent }
        if held.satisfies(winsByTakeOver(request, now: now)) { return .takeOver }
        return .duplicate
    }
}

extension ClaimRules.Held {
    /// Whether what is held meets `condition`; an unknown field meets no comparison.
    func satisfies(_ condition: ClaimRules.Condition) -> Bool {
        switch condition {
        case .all(let conditions): return conditions.allSatisfy(satisfies)
        case .any(let conditions): return conditions.contains(where: satisfies)
        case .not(let inner): return !satisfies(inner)
        case .sequencerAfter(let sequencer): return orderedSequencer.map { $0 > sequencer } ?? false
        case .lastModifiedAfter(let time): return lastModified.map { $0 > time } ?? false
        case .lastModifiedBefore(let time): return lastModified.map { $0 < time } ?? false
        case .eTagDiffers(let tag): return eTag != tag
        case .versionIdDiffers(let id): return versionId.map { $0 != id } ?? false
        case .gone: return gone && status == .done
        case .processingLeaseExpired(let now): return status == .processing && (leaseExpiresAt ?? .distantPast) < now
        }
    }
}
