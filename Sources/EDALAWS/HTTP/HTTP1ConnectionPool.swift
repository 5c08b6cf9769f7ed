import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Keep-alive HTTP/1.1 connections to the AWS endpoints, one request at a time on each: EDAL's own
/// transport for direct connections (a `HEAD` per object, SQS and Kinesis calls).
///
/// It does only what those requests need: whole answers in memory up to a limit, a timeout per
/// request, TLS with the system's trust roots for `https`, and at most `maximumConnectionsPerHost`
/// connections per host, further requests waiting for one to come free. A connection whose answer
/// asks to close, that timed out or failed is closed and leaves the pool; one that sat idle longer
/// than `idleTimeout` is closed instead of reused. Requests through a proxy go through
/// AsyncHTTPClient (see `AWSClient`).
final class HTTP1ConnectionPool: Sendable {
    /// Where a connection goes.
    struct Key: Hashable, Sendable {
        var tls: Bool
        var host: String
        var port: Int
    }

    private struct Idle {
        var channel: any Channel
        var since: NIODeadline
    }

    /// What a request does next: use a free connection, open one, or wait for one.
    private enum Next: Sendable {
        case use(any Channel)
        case connect
        /// Waiting ended without a connection: cancelled, out of time, or the pool shut down.
        case failed(any Error)
    }

    /// A request waiting for a connection.
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Next, Never>
    }

    private struct Host {
        var idle: [Idle] = []
        /// Connections open or being opened.
        var open = 0
        var waiting: [Waiter] = []

        /// A free connection (the newest idle one still usable, preferably on the calling thread's
        /// event loop; stale ones are closed on the way), or a place to open one; `nil` when neither.
        mutating func take(limit: Int, idleTimeout: TimeAmount) -> Next? {
            let now = NIODeadline.now()
            let current = MultiThreadedEventLoopGroup.currentEventLoop
            while let index = idle.lastIndex(where: { current == nil || $0.channel.eventLoop === current })
                ?? idle.indices.last
            {
                let candidate = idle.remove(at: index)
                if candidate.channel.isActive, now - candidate.since < idleTimeout { return .use(candidate.channel) }
                candidate.channel.close(promise: nil)
            }
            guard open < limit else { return nil }
            open += 1
            return .connect
        }
    }

    private struct State {
        var hosts: [Key: Host] = [:]
        var shutDown = false
        var nextWaiter: UInt64 = 0
    }

    private let group: any EventLoopGroup
    private let maximumConnectionsPerHost: Int
    private let connectTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let tlsConfiguration: TLSConfiguration
    private let state = NIOLockedValueBox(State())
    /// Made on the first `https` connection (it loads the trust roots).
    private let tlsContext = NIOLockedValueBox<NIOSSLContext?>(nil)

    /// - Parameter tlsConfiguration: for `https` connections; by default the system's trust roots.
    init(
        group: any EventLoopGroup, maximumConnectionsPerHost: Int, connectTimeout: TimeAmount, idleTimeout: TimeAmount,
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration()
    ) {
        self.group = group
        self.tlsConfiguration = tlsConfiguration
        self.maximumConnectionsPerHost = max(1, maximumConnectionsPerHost)
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
    }

    /// Sends `head` (and `body`) to `key` and answers the whole response.
    func execute(
        _ head: HTTPRequestHead, body: ByteBuffer?, to key: Key, timeout: TimeAmount,
        maximumResponseBytes: Int
    ) async throws -> HTTP1Response {
        // The timeout covers waiting for a connection too.
        let deadline = NIODeadline.now() + timeout
        let channel = try await lease(key, deadline: deadline, timeout: timeout)
        let promise = channel.eventLoop.makePromise(of: HTTP1Response.self)
        let exchange = HTTP1Exchange(
            head: head, body: body, timeout: max(deadline - .now(), .milliseconds(1)),
            maximumResponseBytes: maximumResponseBytes, promise: promise)
        // A connection that closed just now never gets to answer: its failed write fails the exchange.
        channel.writeAndFlush(exchange).whenFailure { promise.fail($0) }
        // On failure the handler has closed the connection, which leaves the pool as it closes.
        let response = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        if response.keepAlive {
            release(channel, to: key)
        } else {
            channel.close(promise: nil)
        }
        return response
    }

    /// Closes every idle connection and fails the requests waiting for one; requests after this fail.
    func shutdown() async {
        let (idle, waiters) = state.withLockedValue { state -> ([any Channel], [Waiter]) in
            state.shutDown = true
            let channels = state.hosts.values.flatMap { $0.idle.map(\.channel) }
            let waiters = state.hosts.values.flatMap(\.waiting)
            for key in state.hosts.keys {
                state.hosts[key]?.idle = []
                state.hosts[key]?.waiting = []
            }
            return (channels, waiters)
        }
        for waiter in waiters { waiter.continuation.resume(returning: .failed(ChannelError.ioOnClosedChannel)) }
        for channel in idle { try? await channel.close() }
    }

    // MARK: Leasing

    private func lease(_ key: Key, deadline: NIODeadline, timeout: TimeAmount) async throws -> any Channel {
        while true {
            let free = try state.withLockedValue { state throws -> Next? in
                guard !state.shutDown else { throw ChannelError.ioOnClosedChannel }
                return state.hosts[key, default: Host()].take(
                    limit: maximumConnectionsPerHost, idleTimeout: idleTimeout)
            }
            let next = if let free { free } else { await wait(for: key, until: deadline, timeout: timeout) }
            switch next {
            case .use(let channel):
                if channel.isActive { return channel }
                channel.close(promise: nil)
            case .connect:
                return try await connect(key)
            case .failed(let error):
                throw error
            }
        }
    }

    /// Waits for a connection to `key` to come free (or a place to open one) until `deadline`, or
    /// until the task is cancelled or the pool shuts down.
    private func wait(for key: Key, until deadline: NIODeadline, timeout: TimeAmount) async -> Next {
        let id = state.withLockedValue { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let expiry = group.next().scheduleTask(deadline: deadline) { [self] in
            give(up: id, at: key, with: HTTP1TransportError.timedOut(timeout))
        }
        defer { expiry.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Checked again under the lock: a connection may have come free meanwhile.
                let immediate: Next? = state.withLockedValue { state in
                    guard !state.shutDown else { return .failed(ChannelError.ioOnClosedChannel) }
                    if let free = state.hosts[key, default: Host()].take(
                        limit: maximumConnectionsPerHost, idleTimeout: idleTimeout)
                    {
                        return free
                    }
                    state.hosts[key, default: Host()].waiting.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            give(up: id, at: key, with: CancellationError())
        }
    }

    /// Ends waiter `id`'s wait with `error`, if it still waits.
    private func give(up id: UInt64, at key: Key, with error: any Error) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard let index = state.hosts[key]?.waiting.firstIndex(where: { $0.id == id }) else { return nil }
            return state.hosts[key]?.waiting.remove(at: index)
        }
        waiter?.continuation.resume(returning: .failed(error))
    }

    /// Puts `channel` back: to the first waiting request, or with the idle ones.
    private func release(_ channel: any Channel, to key: Key) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard !state.shutDown, var host = state.hosts[key] else { return nil }
            defer { state.hosts[key] = host }
            if !host.waiting.isEmpty { return host.waiting.removeFirst() }
            host.idle.append(Idle(channel: channel, since: .now()))
            return nil
        }
        if let waiter {
            waiter.continuation.resume(returning: .use(channel))
        } else if state.withLockedValue({ $0.shutDown }) {
            channel.close(promise: nil)
        }
    }

    /// A connection to `key` closed (or never opened): its place goes to the first waiting request.
    private func closed(_ channel: (any Channel)?, at key: Key) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard var host = state.hosts[key] else { return nil }
            defer { state.hosts[key] = host }
            if let channel { host.idle.removeAll { $0.channel === channel } }
            host.open -= 1
            guard !host.waiting.isEmpty else { return nil }
            host.open += 1
            return host.waiting.removeFirst()
        }
        waiter?.continuation.resume(returning: .connect)
    }

    // MARK: Connecting

    private func connect(_ key: Key) async throws -> any Channel {
        do {
            guard !state.withLockedValue({ $0.shutDown }) else { throw ChannelError.ioOnClosedChannel }
            let tls = key.tls ? try context() : nil
            let serverName = key.host.isIPAddress ? nil : key.host
            let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let tls {
                            try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try pipeline.addHTTPClientHandlers()
                        try pipeline.addHandler(HTTP1ExchangeHandler())
                    }
                }
                .connect(host: key.host, port: key.port)
                .get()
            channel.closeFuture.whenComplete { [self] _ in closed(channel, at: key) }
            return channel
        } catch {
            closed(nil, at: key)
            throw error
        }
    }

    private func context() throws -> NIOSSLContext {
        try tlsContext.withLockedValue { context in
            if let context { return context }
            let made = try NIOSSLContext(configuration: tlsConfiguration)
            context = made
            return made
        }
    }
}

extension String {
    /// An IPv4 or IPv6 literal (TLS sends no server name for those).
    fileprivate var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
