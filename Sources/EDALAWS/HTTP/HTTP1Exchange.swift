import NIOCore
import NIOHTTP1

/// One request and the promise of its whole response, written to a connection's pipeline.
struct HTTP1Exchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    /// Fails the exchange with `HTTP1TransportError.timedOut` (and closes the connection) after this.
    var timeout: TimeAmount
    /// A larger body fails the exchange with `HTTP1TransportError.responseTooLarge`.
    var maximumResponseBytes: Int
    var promise: EventLoopPromise<HTTP1Response>
}

/// A whole response, and whether its connection may carry another request.
struct HTTP1Response: Sendable {
    var head: HTTPResponseHead
    var body: ByteBuffer?
    var keepAlive: Bool
}
