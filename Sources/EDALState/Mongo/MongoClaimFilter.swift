import Foundation

/// MongoDB query filters generated from `ClaimRules.Condition`, so that the claim statements say
/// exactly what `ClaimRules.decide` says. A missing or null field meets no comparison, as in
/// `ClaimRules.Held.satisfies`; `not` is `$nor`, which a missing field meets.
enum MongoClaimFilter {
    static func filter(_ condition: ClaimRules.Condition) -> BSONDocument {
        switch condition {
        case .all(let conditions):
            // `not(any([]))` (an event with neither sequencer nor event time is never stale) holds
            // always: left out, as is `$and` around one condition.
            let kept = conditions.filter { $0 != .not(.any([])) }
            if kept.isEmpty { return BSONDocument() }
            if kept.count == 1 { return filter(kept[0]) }
            return ["$and": .array(kept.map { .document(filter($0)) })]
        // An empty `any` holds nothing (`$or` would refuse an empty array): `$nor` of match-all.
        case .any(let conditions) where conditions.isEmpty: return ["$nor": [.document(BSONDocument())]]
        case .any(let conditions): return ["$or": .array(conditions.map { .document(filter($0)) })]
        case .not(let inner): return ["$nor": [.document(filter(inner))]]
        case .sequencerAfter(let sequencer): return ["seq": ["$gt": .string(sequencer)]]
        case .lastModifiedAfter(let time): return ["lastModified": ["$gt": .date(time)]]
        case .lastModifiedBefore(let time): return ["lastModified": ["$lt": .date(time)]]
        case .eTagDiffers(let tag): return ["etag": ["$ne": .string(tag)]]
        case .versionIdDiffers(let id): return ["versionId": ["$nin": [.string(id), .null]]]
        case .gone:
            return [
                "status": .string(StoredClaim.Status.done.rawValue),
                "outcome": .string(ClaimCompletion.Outcome.objectGone.label),
            ]
        case .processingLeaseExpired(let now):
            return ["status": .string(StoredClaim.Status.processing.rawValue), "leaseUntil": ["$lt": .date(now)]]
        }
    }
}
