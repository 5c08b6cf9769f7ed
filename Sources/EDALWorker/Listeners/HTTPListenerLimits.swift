import NIOCore

/// What one listener allows any client, so a port anyone can reach cannot be used to exhaust the
/// worker: connections at once, how long one may sit idle, and how large a request may be.
public struct HTTPListenerLimits: Sendable, Hashable {
    /// Connections served at once. At the limit a new connection evicts the longest-idle one.
    public var maximumConnections: Int
    /// A connection with no read or write for this long is closed.
    public var idleTimeout: TimeAmount
    /// Request line plus headers, in bytes; larger requests are answered 431 and closed.
    public var maximumHeadBytes: Int
    /// Request body, in bytes; larger bodies are answered 413 and closed (the listeners serve GET).
    public var maximumBodyBytes: Int
    /// At the connection limit, only a connection idle at least this long is evicted for a new one;
    /// without one, the new connection waits (in the kernel's backlog) until there is room.
    public var minimumIdleBeforeEviction: TimeAmount

    public init(
        maximumConnections: Int = 128, idleTimeout: TimeAmount = .seconds(15), maximumHeadBytes: Int = 8 * 1024,
        maximumBodyBytes: Int = 4 * 1024, minimumIdleBeforeEviction: TimeAmount = .milliseconds(250)
    ) {
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.maximumHeadBytes = maximumHeadBytes
        self.maximumBodyBytes = maximumBodyBytes
        self.minimumIdleBeforeEviction = minimumIdleBeforeEviction
    }
}
