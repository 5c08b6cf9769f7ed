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
    /// The object's span, when tracing (`PipelineTracing`).
    public var trace: ObjectTrace?

    public init(event: ObjectCreatedEvent, via: Via, lastModified: Date? = nil, trace: ObjectTrace? = nil) {
        self.event = event
        self.via = via
        self.lastModified = lastModified
        self.trace = trace
    }

    var claimRequest: ClaimRequest {
        var request = event.claimRequest
        request.lastModified = lastModified
        return request
    }
}
