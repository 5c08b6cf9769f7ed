import EDALState

/// How the work on one candidate ended.
public enum ObjectResult: Sendable, Equatable {
    /// Nothing more to do for this object: its message may be deleted.
    case done(Finished)
    /// Not finished: leave the message in the queue so the work is tried again.
    case retryLater(Unfinished)

    /// Why nothing more is to be done.
    public enum Finished: String, Sendable, Equatable, CaseIterable {
        /// A signal about it is out.
        case signalled
        /// Scored, and normal (`EDAL_MODE=anomalies`): nothing to publish.
        case notAnomalous = "not_anomalous"
        /// HEAD found no object.
        case objectGone = "object_gone"
        /// A newer write of the key was processed in its place.
        case superseded
        /// The same content is done already (or repeated in the batch).
        case duplicate
        /// An older write than the one recorded.
        case stale
        /// Another worker took the claim over before this one recorded its work (which is out).
        case leaseLost = "lease_lost"

        /// The result of recording `outcome`.
        public init(_ outcome: ClaimCompletion.Outcome) {
            switch outcome {
            case .signalled: self = .signalled
            case .notAnomalous: self = .notAnomalous
            case .objectGone: self = .objectGone
            case .superseded: self = .superseded
            }
        }
    }

    /// Why the work is not finished.
    public enum Unfinished: String, Sendable, Equatable, CaseIterable {
        /// Another worker holds the object under a live lease.
        case inProgress = "in_progress"
        /// The state store failed.
        case store
        /// S3's HEAD failed.
        case head
        /// No sink took the signal.
        case sink
        /// S3 refused the HEAD (403: no permission, or the bucket belongs to another account than
        /// `EDAL_EXPECTED_BUCKET_OWNER` says). Not tried again in place: the message goes back to the
        /// queue, and its redrive policy moves it to the dead-letter queue.
        case refused

        /// A dependency failed (not another worker holding the work, not a refusal): back off.
        public var isDependencyFailure: Bool { self != .inProgress && self != .refused }
    }

    public var isDone: Bool {
        if case .done = self { return true }
        return false
    }

    /// Not finished because the store, S3 or every sink failed (not because another worker holds it).
    public var isDependencyFailure: Bool {
        if case .retryLater(let reason) = self { return reason.isDependencyFailure }
        return false
    }

    /// The reason as logs and metrics spell it (`signalled`, `in_progress`, …).
    public var label: String {
        switch self {
        case .done(let reason): return reason.rawValue
        case .retryLater(let reason): return reason.rawValue
        }
    }
}
