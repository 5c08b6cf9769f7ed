/// Why a state store call failed, and what to do about it.
public enum StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store cannot be reached or did not answer in time: back off and retry; the work is not lost.
    case unavailable(store: String, reason: String)
    /// The store URI cannot be used.
    case invalidURI(uri: String, reason: String)
    /// The store refused the operation (permissions, a full disk, a corrupt file …): a person must look.
    case failed(store: String, reason: String)

    public var description: String {
        switch self {
        case .unavailable(let store, let reason):
            return "state store \(store) is unavailable: \(reason); retrying later is safe"
        case .invalidURI(let uri, let reason):
            return
                "state store URI \(uri) is not usable: \(reason); use mongodb://host[:port]/database or sqlite:/path/to/edal.db"
        case .failed(let store, let reason):
            return "state store \(store) failed: \(reason)"
        }
    }

    /// `true` when retrying later may succeed.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
