import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import EDALWorker

/// `HTTPListener` on a real socket: its limits hold against clients that misbehave.
@Suite("HTTP listener limits")
struct HTTPListenerTests {
    /// A listener answering `ok` to every path, run for the duration of `body`.
    static func withListener(
        _ limits: HTTPListenerLimits, _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let shutdown = ShutdownSignal()
        let port = NIOLockedValueBox<Int?>(nil)
        let listener = HTTPListener(name: "test", address: ListenAddress(host: "127.0.0.1", port: 0), limits: limits) {
            request in .text(.ok, "ok \(request.path)\n")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await listener.run(shutdown: shutdown) { bound in port.withLockedValue { $0 = bound } }
            }
            while port.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            defer { shutdown.request() }
            try await body(port.withLockedValue { $0 } ?? 0)
        }
    }

    /// A raw client connection: what it sent and what came back, and whether the listener closed it.
    final class RawClient: Sendable {
        let channel: any Channel
        private let received: NIOLockedValueBox<ByteBuffer>

        private init(channel: any Channel, received: NIOLockedValueBox<ByteBuffer>) {
            self.channel = channel
            self.received = received
        }

        static func connect(_ port: Int) async throws -> RawClient {
            let received = NIOLockedValueBox(ByteBuffer())
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            Collector { buffer in
                                received.withLockedValue { collected in
                                    var buffer = buffer
                                    collected.writeBuffer(&buffer)
                                }
                            })
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            return RawClient(channel: channel, received: received)
        }

        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text))
        }

        var text: String { received.withLockedValue { String(buffer: $0) } }

        /// Waits until a whole answer (its head and body) has arrived, or the connection closed.
        func answered(within limit: Duration) async -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if text.contains("\r\n\r\n"), text.hasSuffix("\n") { return true }
                if !channel.isActive { return !text.isEmpty }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return false
        }

        /// Waits until the listener closes the connection; `false` if it is still open after `limit`.
        func closedByListener(within limit: Duration) async -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if !channel.isActive { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return !channel.isActive
        }

        private final class Collector: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let deliver: @Sendable (ByteBuffer) -> Void
            init(_ deliver: @escaping @Sendable (ByteBuffer) -> Void) { self.deliver = deliver }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                deliver(Self.unwrapInboundIn(data))
            }
        }
    }

    @Test("an idle connection is closed after the idle timeout; one in use is answered")
    func idleConnectionsClose() async throws {
        // 2 s: long enough that a loaded machine reads the request before the connection counts as idle.
        try await Self.withListener(HTTPListenerLimits(idleTimeout: .seconds(2))) { port in
            let idle = try await RawClient.connect(port)
            let used = try await RawClient.connect(port)
            try await used.send("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await used.answered(within: .seconds(10)), "\(used.text)")
            #expect(used.text.hasPrefix("HTTP/1.1 200 OK") && used.text.contains("ok /x"), "\(used.text)")
            #expect(await idle.closedByListener(within: .seconds(20)))
        }
    }

    @Test("at the connection limit a new connection evicts the longest-idle one (idle long enough), and is answered")
    func limitEvictsTheLongestIdle() async throws {
        let limits = HTTPListenerLimits(
            maximumConnections: 4, idleTimeout: .seconds(60), minimumIdleBeforeEviction: .milliseconds(200))
        try await Self.withListener(limits) { port in
            var idle: [RawClient] = []
            for _ in 0..<4 {
                idle.append(try await RawClient.connect(port))
                try await Task.sleep(for: .milliseconds(30))
            }
            // Idle past the eviction minimum: a newcomer evicts the oldest of them.
            try await Task.sleep(for: .milliseconds(250))
            let late = try await RawClient.connect(port)
            try await late.send("GET /late HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(await idle[0].closedByListener(within: .seconds(20)), "the oldest idle connection was evicted")
            #expect(await late.closedByListener(within: .seconds(20)))
            #expect(late.text.contains("ok /late"), "\(late.text)")
            #expect(idle[1].channel.isActive && idle[3].channel.isActive, "only one was evicted")
        }
    }

    @Test(
        "a request head over the limit is answered 431, a body over it 413, other methods 405; each closes or keeps as it should"
    )
    func requestSizeLimits() async throws {
        try await Self.withListener(HTTPListenerLimits(maximumHeadBytes: 1024, maximumBodyBytes: 16)) { port in
            let large = try await RawClient.connect(port)
            try await large.send(
                "GET /\(String(repeating: "a", count: 2000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await large.closedByListener(within: .seconds(20)))
            #expect(large.text.hasPrefix("HTTP/1.1 431"), "\(large.text.prefix(200))")

            let body = try await RawClient.connect(port)
            try await body.send(
                "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n\(String(repeating: "b", count: 100))")
            #expect(await body.closedByListener(within: .seconds(20)))
            #expect(body.text.hasPrefix("HTTP/1.1 413"), "\(body.text.prefix(200))")

            let post = try await RawClient.connect(port)
            try await post.send("DELETE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(await post.closedByListener(within: .seconds(20)))
            #expect(post.text.hasPrefix("HTTP/1.1 405") && post.text.contains("Allow: GET, HEAD"), "\(post.text)")
        }
    }
}
