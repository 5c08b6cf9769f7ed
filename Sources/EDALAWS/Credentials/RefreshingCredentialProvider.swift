import Foundation
import NIOConcurrencyHelpers

/// Caches temporary credentials and fetches new ones before they expire (5 minutes ahead by
/// default, plus up to `refreshJitter` more, drawn for each set of credentials, so a fleet that
/// started together does not refresh in lockstep). Concurrent callers during a refresh wait for
/// that one fetch instead of starting their own.
///
/// A refresh that fails while the cached credentials are still valid keeps them: callers go on
/// with them, and the next refresh is tried `retryAfterFailure` later (the endpoint may be down for
/// a moment; the credentials are good until they expire). Only without valid credentials is the
/// failure every caller's.
///
/// The fetch runs in the task of the caller that started it. If that caller is cancelled (a
/// readiness check's time limit), the waiters are not failed with its cancellation: one of them
/// starts the fetch again. A waiter is registered and answered under one lock, so none is lost.
public final class RefreshingCredentialProvider: CredentialProvider, Sendable {
    /// A waiter is answered with the credentials, with an error, or with `nil`: decide again.
    private typealias Waiter = CheckedContinuation<AWSCredentials?, any Error>

    /// Credentials in the cache, and when they are next to be refreshed.
    private struct Cached {
        var credentials: AWSCredentials
        var refreshAt: Date?
    }

    private enum State {
        case empty
        case cached(Cached)
        /// A fetch is under way; `fallback` is what the cache held, still usable if it fails.
        case refreshing([Waiter], fallback: AWSCredentials?)
    }

    private let state = NIOLockedValueBox(State.empty)
    /// When a refusal last forced a refresh: at most one per `forcedRefreshInterval`, so a service
    /// that refuses for another reason (a bucket policy) does not send every request to STS.
    private let lastForcedRefresh = NIOLockedValueBox<Date?>(nil)
    /// The shortest time between two refreshes forced by refusals.
    public static let forcedRefreshInterval: TimeInterval = 30
    private let fetch: @Sendable () async throws -> AWSCredentials
    /// How long before expiry a refresh starts, at least.
    public let refreshAhead: TimeInterval
    /// Up to this much earlier still, at random.
    public let refreshJitter: TimeInterval
    /// After a failed refresh with valid credentials in the cache, how long until the next try.
    public let retryAfterFailure: TimeInterval
    /// Where the credentials come from, for `edal config` and logs.
    public let source: String

    public init(
        source: String, refreshAhead: TimeInterval = 300, refreshJitter: TimeInterval = 60,
        retryAfterFailure: TimeInterval = 10, fetch: @escaping @Sendable () async throws -> AWSCredentials
    ) {
        self.source = source
        self.refreshAhead = refreshAhead
        self.refreshJitter = max(0, refreshJitter)
        self.retryAfterFailure = retryAfterFailure
        self.fetch = fetch
    }

    /// The cache entry for freshly fetched `credentials`: refreshed `refreshAhead` plus a random
    /// part of `refreshJitter` before they expire.
    private func cached(_ credentials: AWSCredentials) -> Cached {
        let early = refreshAhead + Double.random(in: 0...refreshJitter)
        return Cached(credentials: credentials, refreshAt: credentials.expiration.map { $0.addingTimeInterval(-early) })
    }

    public func credentials() async throws -> AWSCredentials {
        try await credentials(usingFallback: true)
    }

    /// `usingFallback`: whether, during a refresh, the credentials it replaces may be answered (not
    /// when a service has just refused them).
    private func credentials(usingFallback: Bool) async throws -> AWSCredentials {
        enum Next {
            case use(AWSCredentials)
            case fetch
            case wait
        }
        while true {
            let now = Date()
            let next = state.withLockedValue { state -> Next in
                switch state {
                case .cached(let cached) where cached.refreshAt.map({ now < $0 }) ?? true:
                    return .use(cached.credentials)
                case .refreshing(_, let fallback?) where usingFallback && Self.valid(fallback, at: now):
                    // A refresh is under way and the cached credentials are still good: no need to wait.
                    return .use(fallback)
                case .refreshing:
                    return .wait
                case .cached(let cached):
                    state = .refreshing([], fallback: cached.credentials)
                    return .fetch
                case .empty:
                    state = .refreshing([], fallback: nil)
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
                        case .refreshing(var waiters, let fallback):
                            waiters.append(waiter)
                            state = .refreshing(waiters, fallback: fallback)
                            return .none
                        case .cached(let cached):
                            return .some(cached.credentials)
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
                    let entry = cached(credentials)
                    let waiters = state.withLockedValue { state -> [Waiter] in
                        defer { state = .cached(entry) }
                        if case .refreshing(let waiters, _) = state { return waiters }
                        return []
                    }
                    for waiter in waiters { waiter.resume(returning: credentials) }
                    return credentials
                } catch {
                    // This caller's cancellation is not a failed refresh: the cache is as it was and
                    // the waiters decide again (one of them fetches).
                    let abandoned = error is CancellationError || Task.isCancelled
                    let now = Date()
                    let (waiters, kept) = state.withLockedValue { state -> ([Waiter], AWSCredentials?) in
                        guard case .refreshing(let waiters, let fallback) = state else { return ([], nil) }
                        if let fallback, Self.valid(fallback, at: now) {
                            let retryAt = abandoned ? now : now.addingTimeInterval(retryAfterFailure)
                            state = .cached(Cached(credentials: fallback, refreshAt: retryAt))
                            return (waiters, fallback)
                        }
                        state = .empty
                        return (waiters, nil)
                    }
                    for waiter in waiters {
                        if let kept {
                            waiter.resume(returning: kept)
                        } else if abandoned {
                            waiter.resume(returning: nil)
                        } else {
                            waiter.resume(throwing: error)
                        }
                    }
                    if let kept, !abandoned { return kept }
                    throw error
                }
            }
        }
    }
}

extension RefreshingCredentialProvider {
    /// Fetches new credentials when `failed` are still the cached ones (when not `certain`, at most
    /// once per `forcedRefreshInterval`); answers the cache when another caller already replaced them.
    public func refresh(replacing failed: AWSCredentials, certain: Bool) async throws -> AWSCredentials? {
        let now = Date()
        let due = state.withLockedValue { state -> Bool in
            guard case .cached(let cached) = state, cached.credentials == failed,
                cached.refreshAt != .distantPast
            else { return true }  // replaced already, or a refresh of them is starting: ask the cache
            let allowed = lastForcedRefresh.withLockedValue { last in
                guard certain || last.map({ now.timeIntervalSince($0) >= Self.forcedRefreshInterval }) ?? true
                else { return false }
                last = now
                return true
            }
            // Refused by name, they are not kept as a fallback: callers wait for the fetch. Refused
            // only maybe, they stay usable should the fetch fail.
            if allowed {
                state = certain ? .empty : .cached(Cached(credentials: cached.credentials, refreshAt: .distantPast))
            }
            return allowed
        }
        guard due else { return nil }
        let fresh = try await credentials(usingFallback: false)
        return fresh == failed ? nil : fresh
    }

    /// Whether `credentials` can still sign a request at `now` (a few seconds to spare for the
    /// request to reach AWS).
    fileprivate static func valid(_ credentials: AWSCredentials, at now: Date) -> Bool {
        credentials.expiration.map { $0.timeIntervalSince(now) > 10 } ?? true
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
