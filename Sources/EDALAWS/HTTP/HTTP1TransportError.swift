import NIOCore

/// Why an exchange failed below HTTP: each is a transport fault that `AWSClient` retries.
enum HTTP1TransportError: Error, Sendable, CustomStringConvertible {
    /// No complete answer within the request's timeout; the connection was closed.
    case timedOut(TimeAmount)
    /// The connection closed before the answer was complete.
    case connectionClosed
    /// The answer's body passed the limit; the connection was closed.
    case responseTooLarge(limit: Int)
    /// A second request was written to a connection still busy with one (a bug in the pool).
    case connectionBusy

    var description: String {
        switch self {
        case .timedOut(let timeout): return "no complete answer within \(timeout.nanoseconds / 1_000_000) ms"
        case .connectionClosed: return "the connection closed before the answer was complete"
        case .responseTooLarge(let limit): return "the answer's body is larger than \(limit) bytes"
        case .connectionBusy: return "the connection was still busy with another request"
        }
    }
}
