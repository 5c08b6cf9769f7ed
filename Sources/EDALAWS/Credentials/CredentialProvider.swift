/// Something that hands out credentials for signing, refreshing them when it must.
public protocol CredentialProvider: Sendable {
    /// Credentials valid for a request made now.
    func credentials() async throws -> AWSCredentials

    /// Credentials to replace `failed`, which a service refused as expired; `nil` when there are none
    /// newer (long-term keys, or a refresh that just failed). Concurrent callers share one fetch.
    ///
    /// - Parameter certain: the service said so (`ExpiredToken`); `false` for a refusal that only
    ///   may mean it (a bodiless `HEAD` 403), which is allowed one refresh per
    ///   `RefreshingCredentialProvider.forcedRefreshInterval`.
    func refresh(replacing failed: AWSCredentials, certain: Bool) async throws -> AWSCredentials?
}

extension CredentialProvider {
    /// Long-term keys have nothing newer.
    public func refresh(replacing failed: AWSCredentials, certain: Bool) async throws -> AWSCredentials? { nil }
}

/// Always returns the same credentials: environment variables and profile keys.
public struct StaticCredentialProvider: CredentialProvider {
    public let value: AWSCredentials
    /// Where the credentials came from, for the start-up log (e.g. `environment`, `profile default`).
    public let source: String

    public init(_ credentials: AWSCredentials, source: String) {
        self.value = credentials
        self.source = source
    }

    public func credentials() async throws -> AWSCredentials { value }
}
