import Foundation
import NIOConcurrencyHelpers

/// Caches temporary credentials and fetches new ones before they expire (5 minutes ahead by
/// default). Concurrent callers during a refresh wait for that one fetch instead of starting their own.
public final class RefreshingCredentialProvider: CredentialProvider, Sendable {
    private enum State {
        case empty
        case cached(AWSCredentials)
        case refreshing([CheckedContinuation<AWSCredentials, any Error>])
    }

    private let state = NIOLockedValueBox(State.empty)
    private let fetch: @Sendable () async throws -> AWSCredentials
    /// How long before expiry a refresh starts.
    public let refreshAhead: TimeInterval
    /// Where the credentials come from, for `edal config` and logs.
    public let source: String

    public init(source: String, refreshAhead: TimeInterval = 300, fetch: @escaping @Sendable () async throws -> AWSCredentials) {
        self.source = source
        self.refreshAhead = refreshAhead
        self.fetch = fetch
    }

    public func credentials() async throws -> AWSCredentials {
        enum Next {
            case use(AWSCredentials)
            case fetch
            case wait
        }
        let now = Date()
        // Decide under the lock; waiters register inside the continuation below.
        let next = state.withLockedValue { state -> Next in
            switch state {
            case .cached(let credentials) where credentials.expiration.map({ $0.timeIntervalSince(now) > refreshAhead }) ?? true:
                return .use(credentials)
            case .refreshing:
                return .wait
            case .empty, .cached:
                state = .refreshing([])
                return .fetch
            }
        }
        switch next {
        case .use(let credentials):
            return credentials
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let settled = state.withLockedValue { state -> AWSCredentials? in
                    switch state {
                    case .refreshing(var waiters):
                        waiters.append(continuation)
                        state = .refreshing(waiters)
                        return nil
                    case .cached(let credentials):
                        return credentials
                    case .empty:
                        return nil
                    }
                }
                if let settled {
                    continuation.resume(returning: settled)
                } else if state.withLockedValue({ if case .empty = $0 { return true } else { return false } }) {
                    continuation.resume(throwing: CredentialProviderError(source: source, reason: "the refresh failed; try again"))
                }
            }
        case .fetch:
            do {
                let credentials = try await fetch()
                let waiters = state.withLockedValue { state -> [CheckedContinuation<AWSCredentials, any Error>] in
                    defer { state = .cached(credentials) }
                    if case .refreshing(let waiters) = state { return waiters }
                    return []
                }
                for waiter in waiters { waiter.resume(returning: credentials) }
                return credentials
            } catch {
                let waiters = state.withLockedValue { state -> [CheckedContinuation<AWSCredentials, any Error>] in
                    defer { state = .empty }
                    if case .refreshing(let waiters) = state { return waiters }
                    return []
                }
                for waiter in waiters { waiter.resume(throwing: error) }
                throw error
            }
        }
    }
}

/// Temporary credentials could not be obtained; says from where and why.
public struct CredentialProviderError: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "cannot get AWS credentials from \(source): \(reason)" }
}
