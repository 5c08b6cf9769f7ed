import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import EDALAWS

@Suite("Refreshing credentials")
struct RefreshingCredentialProviderTests {
    static func credentials(_ n: Int, expiringIn seconds: TimeInterval = 3600) -> AWSCredentials {
        AWSCredentials(
            accessKeyId: "AKID\(n)", secretAccessKey: "secret", sessionToken: "token",
            expiration: Date().addingTimeInterval(seconds))
    }

    /// Runs `body`, failing the test instead of hanging when it takes longer than `limit`.
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws
        -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                Issue.record("did not finish within \(limit): a caller hangs")
                throw CancellationError()
            }
            return value
        }
    }

    @Test("the caller whose fetch is cancelled does not fail the waiters: one of them fetches again")
    func cancelledFetcherHandsOver() async throws {
        let fetches = NIOLockedValueBox(0)
        let provider = RefreshingCredentialProvider(source: "test") {
            let number = fetches.withLockedValue {
                $0 += 1
                return $0
            }
            // The first fetch lasts until its caller is cancelled; later ones answer at once.
            if number == 1 { try await Task.sleep(for: .seconds(60)) }
            return Self.credentials(number)
        }
        // 45 s: under the whole suite on two cores this once took over 10 s. Still short of the
        // first fetch's 60 s, so waiters left waiting on it (not handed over) fail the limit.
        let answers = try await Self.within(.seconds(45)) {
            try await withThrowingTaskGroup(of: String?.self) { group in
                // The first caller starts the fetch and is cancelled (a readiness check's time limit).
                let first = Task { try await provider.credentials() }
                while fetches.withLockedValue({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(5)) }
                for _ in 0..<20 { group.addTask { try await provider.credentials().accessKeyId } }
                try await Task.sleep(for: .milliseconds(100))
                first.cancel()
                #expect((try? await first.value) == nil)
                var answers: [String] = []
                for try await answer in group { if let answer { answers.append(answer) } }
                return answers
            }
        }
        #expect(answers.count == 20)
        #expect(Set(answers) == ["AKID2"], "the waiters got the second fetch's credentials")
        #expect(fetches.withLockedValue { $0 } == 2)
    }

    @Test("a failed fetch fails its waiters once; the next call fetches again; no caller ever hangs")
    func failuresNeverStrandACaller() async throws {
        let fetches = NIOLockedValueBox(0)
        struct Refused: Error {}
        let provider = RefreshingCredentialProvider(source: "test", refreshAhead: 3_600 + 1) {
            // Credentials that are always due for refresh and too close to expiry to be kept when
            // a refresh fails, and every other fetch fails: the state flips between refreshing,
            // empty and cached as fast as callers arrive.
            let number = fetches.withLockedValue {
                $0 += 1
                return $0
            }
            try await Task.sleep(for: .microseconds(Int64(number % 7) * 100))
            if number % 2 == 0 { throw Refused() }
            return Self.credentials(number, expiringIn: 5)
        }
        let (succeeded, failed) = try await Self.within(.seconds(20)) {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<400 {
                    group.addTask {
                        if index % 3 == 0 { await Task.yield() }
                        return (try? await provider.credentials()) != nil
                    }
                }
                var succeeded = 0
                var failed = 0
                for try await ok in group { if ok { succeeded += 1 } else { failed += 1 } }
                return (succeeded, failed)
            }
        }
        #expect(succeeded + failed == 400)
        #expect(succeeded > 0)
        // One after another, each call fetches again (the credentials are always due), so the
        // failures come through too, whatever the concurrent callers happened to share above.
        var outcomes: [Bool] = []
        for _ in 0..<4 { outcomes.append((try? await provider.credentials()) != nil) }
        #expect(outcomes.contains(true) && outcomes.contains(false), "\(outcomes)")
    }

    @Test("a refresh that fails while the cached credentials are still valid keeps them, and tries again only later")
    func failedRefreshKeepsValidCredentials() async throws {
        let fetches = NIOLockedValueBox(0)
        // The first credentials expire in 200 s, inside the 300 s refresh-ahead: every call wants a
        // refresh, and every refresh fails.
        let provider = RefreshingCredentialProvider(source: "test", refreshJitter: 0) {
            let number = fetches.withLockedValue {
                $0 += 1
                return $0
            }
            guard number == 1 else { throw CredentialProviderError(source: "test", reason: "endpoint down") }
            return AWSCredentials(
                accessKeyId: "AKID1", secretAccessKey: "secret", sessionToken: "token",
                expiration: Date().addingTimeInterval(200))
        }
        #expect(try await provider.credentials().accessKeyId == "AKID1")
        #expect(
            try await provider.credentials().accessKeyId == "AKID1", "the failed refresh keeps the valid credentials")
        #expect(fetches.withLockedValue { $0 } == 2)
        for _ in 0..<20 { _ = try await provider.credentials() }
        #expect(fetches.withLockedValue { $0 } == 2, "the next refresh waits retryAfterFailure, not every call")
    }

    @Test(
        "credentials fetched together are refreshed at different moments (jitter), so a fleet does not refresh in lockstep"
    )
    func refreshesAreSpread() async throws {
        let refreshed = NIOLockedValueBox(0)
        for _ in 0..<40 {
            let fetches = NIOLockedValueBox(0)
            // Expiring in 330 s: with 300 s ahead and up to 60 s of jitter, about half are due.
            let provider = RefreshingCredentialProvider(source: "test", refreshAhead: 300, refreshJitter: 60) {
                fetches.withLockedValue { $0 += 1 }
                return AWSCredentials(
                    accessKeyId: "AKID", secretAccessKey: "secret", expiration: Date().addingTimeInterval(330))
            }
            _ = try await provider.credentials()
            _ = try await provider.credentials()
            if fetches.withLockedValue({ $0 }) == 2 { refreshed.withLockedValue { $0 += 1 } }
        }
        let count = refreshed.withLockedValue { $0 }
        #expect(count > 0 && count < 40, "\(count) of 40 refreshed at once")
    }

    @Test(
        "credentials refused as expired are replaced: concurrent callers share one fetch; an uncertain refusal refreshes one set at most every 30 s, a certain one always"
    )
    func refreshAfterRefusal() async throws {
        let fetches = NIOLockedValueBox(0)
        let provider = RefreshingCredentialProvider(source: "test") {
            let number = fetches.withLockedValue {
                $0 += 1
                return $0
            }
            try await Task.sleep(for: .milliseconds(20))
            return Self.credentials(number)
        }
        // Refused only maybe (a HEAD's bodiless 403): one fetch, then none for 30 s (a bucket
        // policy, not expiry, refuses every request the same way).
        let first = try await provider.credentials()
        #expect(try await provider.refresh(replacing: first, certain: false)?.accessKeyId == "AKID2")
        let second = try await provider.credentials()
        #expect(try await provider.refresh(replacing: second, certain: false) == nil)
        #expect(fetches.withLockedValue { $0 } == 2)
        // Ten requests refused as expired by name with the same credentials: one fetch, whatever the
        // last one was, and every caller gets the new set (none is handed the refused one back).
        let replaced = try await withThrowingTaskGroup(of: AWSCredentials?.self) { group in
            for _ in 0..<10 { group.addTask { try await provider.refresh(replacing: second, certain: true) } }
            return try await group.reduce(into: [AWSCredentials?]()) { $0.append($1) }
        }
        #expect(Set(replaced.map { $0?.accessKeyId }) == ["AKID3"])
        #expect(fetches.withLockedValue { $0 } == 3)
        // A refusal by name while a maybe-refusal's fetch is under way waits for that fetch, and is
        // not handed back the refused credentials the cache keeps as a fallback meanwhile.
        let slow = RefreshingCredentialProvider(source: "test") {
            let number = fetches.withLockedValue {
                $0 += 1
                return $0
            }
            try await Task.sleep(for: .milliseconds(200))
            return Self.credentials(number)
        }
        let held = try await slow.credentials()
        async let maybe = slow.refresh(replacing: held, certain: false)
        try await Task.sleep(for: .milliseconds(50))
        let named = try await slow.refresh(replacing: held, certain: true)
        #expect(named != nil && named != held)
        _ = try await maybe
        // Long-term keys have nothing newer.
        let fixed = StaticCredentialProvider(Self.credentials(9), source: "test")
        #expect(try await fixed.refresh(replacing: Self.credentials(9), certain: true) == nil)
    }
}
