import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// A small HTTP listener for operators and orchestrators:
/// `/metrics` (Prometheus text format), `/healthz` (the process is serving), `/readyz` (the queue,
/// the store and the signal sink answer; 503 with the failing ones named otherwise), and whatever
/// `pages` answers (the operator page, `OperatorView`).
public struct MetricsServer: Sendable {
    public var host: String
    public var port: Int
    public var registry: PrometheusCollectorRegistry
    /// Runs before each scrape (brings counters up to date).
    public var beforeScrape: @Sendable () async -> Void
    /// Answers each dependency's problem, `nil` when it is reachable.
    public var readiness: @Sendable () async -> [(name: String, problem: String?)]
    /// Other paths: a content type and body, or `nil` for 404.
    public var pages: @Sendable (String) async -> (contentType: String, body: [UInt8])?
    public var logger: Logger

    public init(
        host: String = "0.0.0.0", port: Int, registry: PrometheusCollectorRegistry,
        beforeScrape: @escaping @Sendable () async -> Void = {},
        readiness: @escaping @Sendable () async -> [(name: String, problem: String?)] = { [] },
        pages: @escaping @Sendable (String) async -> (contentType: String, body: [UInt8])? = { _ in nil },
        logger: Logger = Logger(label: "edal.metrics")
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.beforeScrape = beforeScrape
        self.readiness = readiness
        self.pages = pages
        self.logger = logger
    }

    /// Binds, calls `bound` with the port actually bound (useful with port 0), and serves until `shutdown`.
    public func run(shutdown: ShutdownSignal, bound: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = server.channel.localAddress?.port ?? port
        bound(boundPort)
        logger.info(
            "serving /metrics, /healthz, /readyz and the operator page at /", metadata: ["port": "\(boundPort)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await shutdown.wait()
                try? await server.channel.close()
            }
            group.addTask {
                try await withThrowingDiscardingTaskGroup { connections in
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            connections.addTask { await serve(connection) }
                        }
                    }
                }
            }
            // The accept loop ends when the channel closes; then stop waiting for shutdown too.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        request = head
                    case .body:
                        break
                    case .end:
                        guard let head = request else { continue }
                        let (status, contentType, body) = await respond(to: head)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: contentType)
                        headers.add(name: "Content-Length", value: String(body.count))
                        headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
                        try await outbound.write(
                            .head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
                        // HEAD: the same head (its Content-Length included), no body.
                        if head.method != .HEAD {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        }
                        try await outbound.write(.end(nil))
                        if !head.isKeepAlive { return }
                        request = nil
                    }
                }
            }
        } catch {
            logger.debug("metrics connection ended", metadata: ["error": "\(error)"])
        }
    }

    func respond(to head: HTTPRequestHead) async -> (HTTPResponseStatus, String, [UInt8]) {
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, "text/plain", Array("GET or HEAD only\n".utf8))
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch path {
        case "/metrics":
            await beforeScrape()
            return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
        case "/healthz":
            return (.ok, "text/plain", Array("ok\n".utf8))
        case "/readyz":
            let checks = await readiness()
            let failing = checks.filter { $0.problem != nil }
            let text = checks.map { "\($0.name): \($0.problem ?? "ok")" }.joined(separator: "\n") + "\n"
            return (failing.isEmpty ? .ok : .serviceUnavailable, "text/plain", Array(text.utf8))
        default:
            if let page = await pages(path) { return (.ok, page.contentType, page.body) }
            return (.notFound, "text/plain", Array("try /, /metrics, /healthz or /readyz\n".utf8))
        }
    }
}
