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

/// The last handler of a pooled connection: sends one `HTTP1Exchange` at a time and completes its
/// promise with the whole response, or with a transport error (closing the connection, which then
/// leaves the pool).
final class HTTP1ExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTP1Exchange
    typealias OutboundOut = HTTPClientRequestPart

    private var current: HTTP1Exchange?
    private var responseHead: HTTPResponseHead?
    private var responseBody: ByteBuffer?
    private var timeout: Scheduled<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            exchange.promise.fail(HTTP1TransportError.connectionBusy)
            promise?.fail(HTTP1TransportError.connectionBusy)
            return
        }
        current = exchange
        responseHead = nil
        responseBody = nil
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: exchange.timeout) { [self] in
            fail(HTTP1TransportError.timedOut(exchange.timeout), context: context)
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            responseHead = head
        case .body(var part):
            if responseBody == nil {
                responseBody = part
            } else {
                responseBody?.writeBuffer(&part)
            }
            if let size = responseBody?.readableBytes, size > exchange.maximumResponseBytes {
                fail(HTTP1TransportError.responseTooLarge(limit: exchange.maximumResponseBytes), context: context)
            }
        case .end:
            guard let head = responseHead else {
                fail(HTTP1TransportError.connectionClosed, context: context)
                return
            }
            timeout?.cancel()
            timeout = nil
            current = nil
            exchange.promise.succeed(HTTP1Response(head: head, body: responseBody, keepAlive: head.isKeepAlive))
            responseHead = nil
            responseBody = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTP1TransportError.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    /// Fails the exchange in progress, if any, and closes the connection.
    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        if let exchange = current {
            current = nil
            exchange.promise.fail(error)
        }
        context.close(promise: nil)
    }
}
