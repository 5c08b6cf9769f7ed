/// How the work on one candidate ended.
public enum ObjectResult: Sendable, Equatable {
    /// Nothing more to do for this object: its message may be deleted. The label says why:
    /// `signalled`, `not_anomalous`, `object_gone`, `superseded`, `duplicate`, `stale`, `lease_lost`.
    case done(String)
    /// Not finished: leave the message in the queue so the work is tried again. The label says why:
    /// `in_progress` (another worker holds it), `store`, `head`, `sink`.
    case retryLater(String)

    public var isDone: Bool {
        if case .done = self { return true }
        return false
    }

    /// Not finished because the store, S3 or every sink failed (not because another worker holds it).
    public var isDependencyFailure: Bool {
        if case .retryLater(let label) = self { return label == "store" || label == "sink" || label == "head" }
        return false
    }

    public var label: String {
        switch self {
        case .done(let label), .retryLater(let label): return label
        }
    }
}
