import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing

@testable import EDALAWS

/// EDAL's own HTTP/1.1 transport against a server whose behaviour each test chooses by path:
/// `/ok`, `/slow/<ms>`, `/hang` (never answers), `/close` (answers with `Connection: close`),
/// `/big/<bytes>`; a `HEAD` is answered with a `Content-Length` and no body, as S3 does.
@Suite("HTTP/1.1 connection pool", .timeLimit(.minutes(2)))
struct HTTP1ConnectionPoolTests {
    /// A local server counting the connections it accepted and the most it held at once.
    final class Server: Sendable {
        let channel: any Channel
        private let counts = NIOLockedValueBox((accepted: 0, open: 0, mostOpen: 0))
        var accepted: Int { counts.withLockedValue { $0.accepted } }
        var mostOpen: Int { counts.withLockedValue { $0.mostOpen } }
        var port: Int { channel.localAddress?.port ?? 0 }

        init(tls: NIOSSLContext? = nil) async throws {
            let counts = self.counts
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    counts.withLockedValue {
                        $0.accepted += 1
                        $0.open += 1
                        $0.mostOpen = max($0.mostOpen, $0.open)
                    }
                    channel.closeFuture.whenComplete { _ in counts.withLockedValue { $0.open -= 1 } }
                    return channel.eventLoop.makeCompletedFuture {
                        if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(Responder())
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() async { try? await channel.close() }
    }

    final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private var request: HTTPRequestHead?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): request = head
            case .body: break
            case .end:
                guard let request else { return }
                respond(to: request, context: context)
            }
        }

        private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
            let parts = request.uri.split(separator: "/").map(String.init)
            var headers = HTTPHeaders()
            var body = ByteBuffer(string: "answer to \(request.uri)")
            var close = false
            switch parts.first {
            case "hang": return
            case "close": close = true
            case "closelater":
                let channel = context.channel
                channel.eventLoop.scheduleTask(in: .milliseconds(Int64(parts.last ?? "0") ?? 0)) {
                    channel.close(promise: nil)
                }
            case "big": body = ByteBuffer(repeating: UInt8(ascii: "x"), count: Int(parts.last ?? "0") ?? 0)
            case "slow":
                let delay = TimeAmount.milliseconds(Int64(parts.last ?? "0") ?? 0)
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    let (responder, context) = bound.value
                    responder.send(
                        .ok, headers: HTTPHeaders(), body: ByteBuffer(string: "slow"), close: false, head: false,
                        context: context)
                }
                return
            default: break
            }
            if close { headers.add(name: "Connection", value: "close") }
            send(.ok, headers: headers, body: body, close: close, head: request.method == .HEAD, context: context)
        }

        private func send(
            _ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, close: Bool, head: Bool,
            context: ChannelHandlerContext
        ) {
            var headers = headers
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            if !head { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            let ended = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if close { ended.whenComplete { _ in context.close(promise: nil) } }
        }
    }

    static func pool(
        limit: Int = 4, idle: TimeAmount = .seconds(55), tls: TLSConfiguration = .makeClientConfiguration()
    ) -> HTTP1ConnectionPool {
        HTTP1ConnectionPool(
            group: MultiThreadedEventLoopGroup.singleton, maximumConnectionsPerHost: limit,
            connectTimeout: .seconds(10),
            idleTimeout: idle, tlsConfiguration: tls)
    }

    /// Runs `body` with a new server and a pool, and stops both after it.
    static func withPool(
        limit: Int = 4, idle: TimeAmount = .seconds(55),
        _ body: (HTTP1ConnectionPool, Server) async throws -> Void
    ) async throws {
        let server = try await Server()
        let pool = Self.pool(limit: limit, idle: idle)
        do {
            try await body(pool, server)
        } catch {
            await pool.shutdown()
            await server.stop()
            throw error
        }
        await pool.shutdown()
        await server.stop()
    }

    static func get(
        _ pool: HTTP1ConnectionPool, _ server: Server, _ path: String, method: HTTPMethod = .GET, tls: Bool = false,
        host: String = "127.0.0.1", timeout: TimeAmount = .seconds(60), limit: Int = 1 << 20
    ) async throws -> HTTP1Response {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(server.port)")
        return try await pool.execute(
            HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers), body: nil,
            to: .init(tls: tls, host: host, port: server.port), timeout: timeout, maximumResponseBytes: limit)
    }

    static func text(_ response: HTTP1Response) -> String {
        response.body.map { String(buffer: $0) } ?? ""
    }

    @Test("sequential requests share one kept-alive connection; a HEAD's Content-Length brings no body")
    func keepAlive() async throws {
        try await Self.withPool { pool, server throws in
            for index in 0..<20 {
                let response = try await Self.get(pool, server, "/ok/\(index)")
                #expect(response.head.status == .ok)
                #expect(Self.text(response) == "answer to /ok/\(index)")
            }
            let head = try await Self.get(pool, server, "/ok/head", method: .HEAD)
            #expect(head.head.headers.first(name: "Content-Length") == "\("answer to /ok/head".utf8.count)")
            #expect(head.body == nil || head.body?.readableBytes == 0)
            #expect(
                try await Self.get(pool, server, "/ok/after").head.status == .ok,
                "the connection is still in step after the HEAD")
            #expect(server.accepted == 1)
        }
    }

    @Test("at most maximumConnectionsPerHost connections; the requests beyond wait for one and all are answered")
    func connectionLimit() async throws {
        try await Self.withPool(limit: 3) { pool, server throws in
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<24 { group.addTask { Self.text(try await Self.get(pool, server, "/slow/30")) } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers.count == 24 && answers.allSatisfy { $0 == "slow" })
            #expect(server.mostOpen <= 3, "\(server.mostOpen) connections at once")
            #expect(server.accepted >= 2, "the requests did run side by side")
        }
    }

    @Test("a request with no answer times out, its connection is closed, and the next request gets a new one")
    func timeout() async throws {
        try await Self.withPool(limit: 1) { pool, server throws in
            let started = ContinuousClock.now
            await #expect(throws: HTTP1TransportError.self) {
                try await Self.get(pool, server, "/hang", timeout: .milliseconds(300))
            }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(300) && waited < .seconds(20), "\(waited)")
            // The one connection the pool may have was given back as it closed.
            #expect(Self.text(try await Self.get(pool, server, "/ok")) == "answer to /ok")
            #expect(server.accepted == 2)
        }
    }

    @Test("an answer with Connection: close is not reused; a connection the server closed while idle is not used")
    func closedConnections() async throws {
        try await Self.withPool(limit: 1) { pool, server throws in
            #expect(Self.text(try await Self.get(pool, server, "/close")) == "answer to /close")
            #expect(Self.text(try await Self.get(pool, server, "/ok")) == "answer to /ok")
            #expect(server.accepted == 2)
            // The server answers keep-alive, then closes the connection while it sits idle in the pool.
            #expect(Self.text(try await Self.get(pool, server, "/closelater/50")) == "answer to /closelater/50")
            try await Task.sleep(for: .milliseconds(300))
            #expect(
                Self.text(try await Self.get(pool, server, "/ok")) == "answer to /ok",
                "no failed attempt on the closed one")
            #expect(server.accepted == 3)
        }
    }

    @Test("waiting for a connection counts towards the timeout, ends when cancelled, and ends at shutdown")
    func waitingEnds() async throws {
        try await Self.withPool(limit: 1) { pool, server throws in
            // The one connection is busy with an answer that never comes.
            let busy = Task { try await Self.get(pool, server, "/hang", timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(100))

            var started = ContinuousClock.now
            await #expect(throws: HTTP1TransportError.self) {
                try await Self.get(pool, server, "/ok", timeout: .milliseconds(300))
            }
            #expect(ContinuousClock.now - started < .seconds(20), "timed out while waiting, not after the busy one")

            started = ContinuousClock.now
            let cancelled = Task { try await Self.get(pool, server, "/ok", timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(100))
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(ContinuousClock.now - started < .seconds(20))

            started = ContinuousClock.now
            let stranded = Task { try await Self.get(pool, server, "/ok", timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(100))
            await pool.shutdown()
            await #expect(throws: (any Error).self) { try await stranded.value }
            #expect(ContinuousClock.now - started < .seconds(20), "shutdown fails the waiting request at once")
            busy.cancel()
            _ = try? await busy.value
        }
    }

    @Test("an idle connection older than the idle timeout is closed instead of reused")
    func idleTimeout() async throws {
        let server = try await Server()
        let pool = Self.pool(idle: .seconds(3))
        _ = try await Self.get(pool, server, "/ok")
        _ = try await Self.get(pool, server, "/ok")
        #expect(server.accepted == 1)
        try await Task.sleep(for: .seconds(4))
        _ = try await Self.get(pool, server, "/ok")
        #expect(server.accepted == 2)
        await pool.shutdown()
        await server.stop()
    }

    @Test("a body past the limit fails the request; the pool goes on")
    func responseTooLarge() async throws {
        try await Self.withPool(limit: 1) { pool, server throws in
            await #expect(throws: HTTP1TransportError.self) {
                try await Self.get(pool, server, "/big/100000", limit: 10_000)
            }
            #expect(try await Self.get(pool, server, "/big/5000", limit: 10_000).body?.readableBytes == 5000)
        }
    }

    @Test("https: the server's certificate is checked against the trust roots and its name", .timeLimit(.minutes(1)))
    func tls() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edal-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(
            openssl.terminationStatus == 0, "openssl could not make a certificate (install-deps installs openssl)")
        let chain = try NIOSSLCertificate.fromPEMFile(certificate)
        let serverContext = try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))))
        let server = try await Server(tls: serverContext)

        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(chain)
        let pool = Self.pool(tls: trusting)
        #expect(Self.text(try await Self.get(pool, server, "/ok", tls: true, host: "localhost")) == "answer to /ok")
        #expect(Self.text(try await Self.get(pool, server, "/ok", tls: true, host: "localhost")) == "answer to /ok")
        #expect(server.accepted == 1, "the TLS connection is kept alive")
        await pool.shutdown()

        // The system's trust roots do not know this certificate: the handshake fails, nothing is answered.
        let strict = Self.pool()
        await #expect(throws: (any Error).self) {
            try await Self.get(strict, server, "/ok", tls: true, host: "localhost")
        }
        await strict.shutdown()
        await server.stop()
    }
}
