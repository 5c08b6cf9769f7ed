import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 listener for the worker's own ports (metrics and health, the operator page),
/// held to `HTTPListenerLimits`: whoever reaches the port can hold at most a bounded number of
/// connections, for a bounded time, with bounded requests. GET and HEAD only.
public struct HTTPListener: Sendable {
    public var name: String
    public var address: ListenAddress
    public var limits: HTTPListenerLimits
    public var handler: @Sendable (HTTPListenerRequest) async -> HTTPListenerResponse
    public var logger: Logger

    public init(
        name: String, address: ListenAddress, limits: HTTPListenerLimits = HTTPListenerLimits(),
        logger: Logger = Logger(label: "edal.listener"),
        handler: @escaping @Sendable (HTTPListenerRequest) async -> HTTPListenerResponse
    ) {
        self.name = name
        self.address = address
        self.limits = limits
        self.handler = handler
        self.logger = logger
    }

    /// Binds, calls `bound` with the port actually bound (useful with port 0), and serves until
    /// `shutdown`.
    public func run(shutdown: ShutdownSignal, bound: @Sendable (Int) -> Void = { _ in }) async throws {
        let table = ConnectionTable(limit: limits.maximumConnections)
        let idleTimeout = limits.idleTimeout
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Connections beyond the limit wait in the kernel's accept queue until there is room: a
            // deep queue keeps a client's SYN from being dropped (and retried a second or more later).
            .serverChannelOption(.backlog, value: 1024)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        bound(server.channel.localAddress?.port ?? address.port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await shutdown.wait()
                try? await server.channel.close()
            }
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            // At the limit, wait for room (evicting a connection idle for a while
                            // makes some); meanwhile new connections wait in the kernel's backlog.
                            // (`isActive` is not yet true for a connection this new: watch its close.)
                            let closed = NIOLockedValueBox(false)
                            connection.channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
                            while !closed.withLockedValue({ $0 }),
                                !table.admit(connection.channel, minimumIdle: limits.minimumIdleBeforeEviction)
                            {
                                try await Task.sleep(for: .milliseconds(50))
                            }
                            if closed.withLockedValue({ $0 }) {
                                // Closed while it waited (its idle timeout, or the client left):
                                // finish it as every NIOAsyncChannel must be.
                                try? await connection.executeThenClose { _, _ in }
                                continue
                            }
                            connections.addTask { await serve(connection, table: table) }
                        }
                    }
                }
            }
            // The accept loop ends when the channel closes; then stop waiting for shutdown too.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, table: ConnectionTable
    ) async {
        let channel = connection.channel
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                var bodyBytes = 0
                func answer(_ response: HTTPListenerResponse, to head: HTTPRequestHead, keepAlive: Bool) async throws {
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(response.body.count))
                    headers.add(name: "Cache-Control", value: "no-store")
                    for (name, value) in response.headers { headers.add(name: name, value: value) }
                    headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                    try await outbound.write(
                        .head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
                    // HEAD: the same head (its Content-Length included), no body.
                    if head.method != .HEAD {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                    }
                    try await outbound.write(.end(nil))
                    table.mark(channel, inRequest: false)
                }
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        table.mark(channel, inRequest: true)
                        let size =
                            head.uri.utf8.count
                            + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
                        if size > limits.maximumHeadBytes {
                            try await answer(
                                .text(
                                    .requestHeaderFieldsTooLarge,
                                    "request line and headers over \(limits.maximumHeadBytes) bytes\n"),
                                to: head, keepAlive: false)
                            return
                        }
                        request = head
                        bodyBytes = 0
                    case .body(let buffer):
                        bodyBytes += buffer.readableBytes
                        if bodyBytes > limits.maximumBodyBytes, let head = request {
                            try await answer(
                                .text(.payloadTooLarge, "request body over \(limits.maximumBodyBytes) bytes\n"),
                                to: head,
                                keepAlive: false)
                            return
                        }
                    case .end:
                        guard let head = request else { continue }
                        request = nil
                        try await answer(await respond(to: head), to: head, keepAlive: head.isKeepAlive)
                        if !head.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("\(name) connection ended", metadata: ["error": .error(error)])
        }
    }

    private func respond(to head: HTTPRequestHead) async -> HTTPListenerResponse {
        guard head.method == .GET || head.method == .HEAD else {
            return HTTPListenerResponse(
                .methodNotAllowed, body: Array("GET or HEAD only\n".utf8), headers: [("Allow", "GET, HEAD")])
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        return await handler(HTTPListenerRequest(method: head.method, path: path, headers: head.headers))
    }
}

/// Closes a connection when `IdleStateHandler` says it has been idle for the timeout.
private final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
