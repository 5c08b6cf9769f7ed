import NIOCore
import NIOHTTP1
import NIOSSL

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
        // Closed just now: fail at once rather than hold the exchange until its timeout.
        guard context.channel.isActive else {
            exchange.promise.fail(HTTP1TransportError.connectionClosed)
            promise?.fail(HTTP1TransportError.connectionClosed)
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
        // A TLS peer that closes without close_notify: the decoder still ends an answer delimited
        // by the close when the channel goes inactive, right after this.
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError { return }
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
