/// Something that hands out credentials for signing, refreshing them when it must.
public protocol CredentialProvider: Sendable {
    /// Credentials valid for a request made now.
    func credentials() async throws -> AWSCredentials
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
