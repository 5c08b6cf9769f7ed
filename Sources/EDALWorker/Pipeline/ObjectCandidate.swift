import EDALState
import Foundation

/// An object to run through claim → HEAD → score → signal, and how EDAL learnt of it.
public struct ObjectCandidate: Sendable, Equatable {
    public enum Via: String, Sendable, Equatable {
        case notification
        case sweep
        case replay
    }

    public var event: ObjectCreatedEvent
    public var via: Via
    /// LastModified from a listing (sweep), recorded with the claim.
    public var lastModified: Date?

    public init(event: ObjectCreatedEvent, via: Via, lastModified: Date? = nil) {
        self.event = event
        self.via = via
        self.lastModified = lastModified
    }

    var claimRequest: ClaimRequest {
        var request = event.claimRequest
        request.lastModified = lastModified
        return request
    }
}
