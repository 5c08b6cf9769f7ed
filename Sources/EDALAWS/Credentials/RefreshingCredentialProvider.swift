import Foundation
import NIOConcurrencyHelpers

/// Caches temporary credentials and fetches new ones before they expire (5 minutes ahead by
/// default). Concurrent callers during a refresh wait for that one fetch instead of starting their own.
///
/// The fetch runs in the task of the caller that started it. If that caller is cancelled (a
/// readiness check's time limit), the waiters are not failed with its cancellation: one of them
/// starts the fetch again. A waiter is registered and answered under one lock, so none is lost.
public final class RefreshingCredentialProvider: CredentialProvider, Sendable {
    /// A waiter is answered with the credentials, with an error, or with `nil`: decide again.
    private typealias Waiter = CheckedContinuation<AWSCredentials?, any Error>

    private enum State {
        case empty
        case cached(AWSCredentials)
        case refreshing([Waiter])
    }

    private let state = NIOLockedValueBox(State.empty)
    private let fetch: @Sendable () async throws -> AWSCredentials
    /// How long before expiry a refresh starts.
    public let refreshAhead: TimeInterval
    /// Where the credentials come from, for `edal config` and logs.
    public let source: String

    public init(
        source: String, refreshAhead: TimeInterval = 300, fetch: @escaping @Sendable () async throws -> AWSCredentials
    ) {
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
        while true {
            let now = Date()
            let next = state.withLockedValue { state -> Next in
                switch state {
                case .cached(let credentials)
                where credentials.expiration.map({ $0.timeIntervalSince(now) > refreshAhead }) ?? true:
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
                let answer: AWSCredentials? = try await withCheckedThrowingContinuation { (waiter: Waiter) in
                    // Registered, or answered, in the same critical section that reads the state.
                    let settled = state.withLockedValue { state -> AWSCredentials?? in
                        switch state {
                        case .refreshing(var waiters):
                            waiters.append(waiter)
                            state = .refreshing(waiters)
                            return .none
                        case .cached(let credentials):
                            return .some(credentials)
                        case .empty:
                            return .some(nil)
                        }
                    }
                    if case .some(let credentials) = settled { waiter.resume(returning: credentials) }
                }
                if let answer { return answer }
                // The fetch was abandoned (its caller was cancelled): decide again.
                try Task.checkCancellation()
            case .fetch:
                do {
                    let credentials = try await fetch()
                    let waiters = state.withLockedValue { state -> [Waiter] in
                        defer { state = .cached(credentials) }
                        if case .refreshing(let waiters) = state { return waiters }
                        return []
                    }
                    for waiter in waiters { waiter.resume(returning: credentials) }
                    return credentials
                } catch {
                    let waiters = state.withLockedValue { state -> [Waiter] in
                        defer { state = .empty }
                        if case .refreshing(let waiters) = state { return waiters }
                        return []
                    }
                    // This caller's cancellation is not the waiters' failure: they try again.
                    let abandoned = error is CancellationError || Task.isCancelled
                    for waiter in waiters {
                        if abandoned { waiter.resume(returning: nil) } else { waiter.resume(throwing: error) }
                    }
                    throw error
                }
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
