import Foundation

/// An S3 object a worker wants to process: its identity and what is known of the write that produced it.
public struct ClaimRequest: Sendable, Equatable, Hashable {
    public var bucket: String
    public var key: String
    /// The ETag without quotes (the MD5 of a simple upload; `…-N` for multipart).
    public var eTag: String
    /// The S3 event `sequencer`, when the request comes from a notification: orders writes to one key.
    public var sequencer: String?
    /// The version id, in versioned buckets.
    public var versionId: String?
    /// LastModified, when known (the sweep knows it from the listing).
    public var lastModified: Date?
    /// When S3 finished the write, from a notification's `eventTime`: a write that finished before
    /// the LastModified already recorded for the key is older than what was processed (stale).
    public var eventTime: Date?

    public init(
        bucket: String, key: String, eTag: String, sequencer: String? = nil, versionId: String? = nil,
        lastModified: Date? = nil,
        eventTime: Date? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.eTag = eTag
        self.sequencer = sequencer
        self.versionId = versionId
        self.lastModified = lastModified
        self.eventTime = eventTime
    }

    /// The store's key for the object: bucket names cannot contain `/`, so `bucket/key` is unambiguous.
    public var objectId: String { Self.objectId(bucket: bucket, key: key) }

    static func objectId(bucket: String, key: String) -> String { "\(bucket)/\(key)" }

    /// The sequencer padded so that string order is the order S3 means (S3 compares sequencers as
    /// hexadecimal numbers of varying length).
    public var orderedSequencer: String? {
        sequencer.map { ClaimRequest.padSequencer($0) }
    }

    /// The width sequencers are padded to; notifications with longer ones are refused before they
    /// reach a claim (`ObjectEventLimits`), so string order is S3's order for every stored one.
    public static let sequencerWidth = 32

    static func padSequencer(_ sequencer: String) -> String {
        let upper = sequencer.uppercased()
        return upper.count >= sequencerWidth
            ? upper : String(repeating: "0", count: sequencerWidth - upper.count) + upper
    }
}

/// Proof that a worker holds a claim: present it to complete, release or renew the claim.
public struct ClaimTicket: Sendable, Equatable, Hashable {
    public var objectId: String
    /// Unique to the claim call that won the object; a claim taken over by another worker has another token.
    public var token: String

    public init(objectId: String, token: String) {
        self.objectId = objectId
        self.token = token
    }

    /// A token unique to one claim call: the owner plus 96 random bits. Every store uses it.
    static func newToken(owner: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<3).map { _ in String(generator.next() as UInt32, radix: 16) }.joined(separator: "-")
        return "\(owner):\(random)"
    }
}

/// What `claim` answered for one object.
public enum ClaimOutcome: Sendable, Equatable {
    /// Ours: the object is new, or has new content (another ETag, or a newer write of the same ETag).
    case claimed(ClaimTicket)
    /// Ours: a claim on the same content whose lease expired (its worker died) is now ours.
    case takenOver(ClaimTicket)
    /// Not ours: the same content is done (or repeated within the same call).
    case duplicate
    /// Not ours yet: another worker holds a live lease on the same content. Leave the message in the
    /// queue: if that worker dies, the lease runs out and the redelivery takes the claim over.
    case inProgress
    /// Not ours: the event is older (by sequencer) than the one already recorded for this key.
    case stale

    /// The ticket when the claim is ours.
    public var ticket: ClaimTicket? {
        switch self {
        case .claimed(let ticket), .takenOver(let ticket): return ticket
        case .duplicate, .inProgress, .stale: return nil
        }
    }

    /// A short label for logs and metrics: `claimed`, `taken_over`, `duplicate`, `in_progress`, `stale`.
    public var label: String {
        switch self {
        case .claimed: return "claimed"
        case .takenOver: return "taken_over"
        case .duplicate: return "duplicate"
        case .inProgress: return "in_progress"
        case .stale: return "stale"
        }
    }
}

/// How the work on a claimed object ended.
public struct ClaimCompletion: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// A signal was published with this id.
        case signalled(signalId: String)
        /// Scored, not anomalous: nothing to publish.
        case notAnomalous
        /// The object no longer exists (HEAD answered 404).
        case objectGone
        /// A newer write exists (HEAD's ETag differs from the event's): this event is stale.
        case superseded

        var label: String {
            switch self {
            case .signalled: return "signalled"
            case .notAnomalous: return "not_anomalous"
            case .objectGone: return "object_gone"
            case .superseded: return "superseded"
            }
        }

        var signalId: String? {
            if case .signalled(let id) = self { return id }
            return nil
        }
    }

    public var ticket: ClaimTicket
    public var outcome: Outcome
    /// LastModified from HEAD, recorded so the sweep recognises this write.
    public var lastModified: Date?
    public var versionId: String?
    /// The ETag of the content that was processed, when HEAD found a newer write than the one
    /// claimed: the record then says what was really signalled.
    public var eTag: String?

    public init(
        ticket: ClaimTicket, outcome: Outcome, lastModified: Date? = nil, versionId: String? = nil, eTag: String? = nil
    ) {
        self.ticket = ticket
        self.outcome = outcome
        self.lastModified = lastModified
        self.versionId = versionId
        self.eTag = eTag
    }
}

/// A claim as the store holds it; for inspection, tests and operators.
public struct StoredClaim: Sendable, Equatable {
    public enum Status: String, Sendable {
        case processing
        case done
    }

    public var objectId: String
    public var bucket: String
    public var key: String
    public var eTag: String
    public var sequencer: String?
    public var versionId: String?
    public var lastModified: Date?
    public var owner: String
    public var token: String
    public var status: Status
    public var leaseExpiresAt: Date?
    /// `signalled`, `not_anomalous`, `object_gone` or `superseded` once done.
    public var outcome: String?
    public var signalId: String?
    /// Times the object was claimed, take-overs and new content included.
    public var claims: Int
}
