import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// The credential sources containers use, resolved as a user's environment would resolve them:
/// web identity through STS (moto), the container endpoint and IMDSv2 (a local stand-in server).
@Suite(
    "container credentials", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct ContainerCredentialsTests {
    /// The base URL of `infra/testing/credentials_stand_in.py`, which `infra/test-services.sh` starts
    /// with the other services (started here, under the test run's own load, it could miss its start-up).
    static func standIn() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["EDAL_TEST_CREDENTIALS_STAND_IN"] else {
            throw HelperProcess.Failed(description: "EDAL_TEST_CREDENTIALS_STAND_IN is not set: run `make test`")
        }
        return url
    }

    static let base = ["AWS_REGION": "us-east-1"]

    /// Creates and describes a Kinesis stream with requests signed by `configuration`'s credentials.
    static func createStream(_ stream: String, signedWith configuration: AWSConfiguration) async throws -> String {
        let client = AWSClient(configuration: configuration)
        do {
            try await KinesisClient(client: client).createStream(stream)
            #expect(try await KinesisClient(client: client).describeStreamSummary(stream).streamName == stream)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return stream
    }

    @Test(
        "web identity: the token file is exchanged with STS AssumeRoleWithWebIdentity, and the credentials sign requests"
    )
    func webIdentity() async throws {
        guard let services = try TestServices.current() else { return }
        let token = FileManager.default.temporaryDirectory.appendingPathComponent("edal-token-\(UUID().uuidString)")
        try Data("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZWRhbDplZGFsIn0.c2ln\n".utf8).write(
            to: token)
        defer { try? FileManager.default.removeItem(at: token) }
        let configuration = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/edal-worker", "AWS_WEB_IDENTITY_TOKEN_FILE": token.path,
                "AWS_ENDPOINT_URL_STS": services.kinesisEndpoint, "AWS_ENDPOINT_URL_KINESIS": services.kinesisEndpoint,
            ]) { $1 }, homeDirectory: "/nonexistent")
        let provider = try #require(configuration.credentialProvider as? RefreshingCredentialProvider)
        #expect(provider.source.contains("web identity"))
        let credentials = try await provider.credentials()
        #expect(!credentials.accessKeyId.isEmpty)
        #expect(credentials.sessionToken?.isEmpty == false)
        #expect(credentials.expiration != nil)
        // Signed with them, a request goes through.
        _ = try await Self.createStream(TestServices.uniqueName("edal-wi"), signedWith: configuration)

        // A missing token file is a clear error, not a crash.
        let broken = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/edal-worker",
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token",
                "AWS_ENDPOINT_URL_STS": services.kinesisEndpoint,
            ]) { $1 }, homeDirectory: "/nonexistent")
        await #expect(throws: CredentialProviderError.self) { _ = try await broken.credentialProvider.credentials() }
    }

    @Test(
        "web identity against a service that checks signatures: the exchanged session credentials sign requests moto verifies; a token that is not a JWT is refused"
    )
    func webIdentityCheckedBySignatures() async throws {
        guard let services = try TestServices.current() else { return }
        // The stand-in plays STS: it checks the token's shape and assumes the role on the
        // signature-checking moto, so the temporary credentials (with their session token) are real there.
        let sts = try Self.standIn()
        let token = FileManager.default.temporaryDirectory.appendingPathComponent("edal-token-\(UUID().uuidString)")
        try Data("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZWRhbDplZGFsIn0.c2ln\n".utf8).write(
            to: token)
        defer { try? FileManager.default.removeItem(at: token) }
        let environment = Self.base.merging([
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/edal-worker", "AWS_WEB_IDENTITY_TOKEN_FILE": token.path,
            "AWS_ENDPOINT_URL_STS": sts, "AWS_ENDPOINT_URL_KINESIS": services.authEndpoint,
        ]) { $1 }
        let configuration = try AWSConfiguration.resolve(environment: environment, homeDirectory: "/nonexistent")
        let credentials = try await configuration.credentialProvider.credentials()
        #expect(credentials.sessionToken?.isEmpty == false)
        let stream = try await Self.createStream(TestServices.uniqueName("edal-wi-auth"), signedWith: configuration)

        // The same key with the session token left out is refused by the signature check: the
        // token is part of what was verified.
        let withoutToken = AWSConfiguration(
            region: "us-east-1",
            credentialProvider: StaticCredentialProvider(
                AWSCredentials(
                    accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey,
                    sessionToken: nil), source: "test"),
            endpointOverrides: [.kinesis: try #require(AWSEndpoint(url: services.authEndpoint))])
        let refused = AWSClient(configuration: withoutToken, options: .init(retryPolicy: RetryPolicy.none))
        await #expect(throws: AWSServiceError.self) {
            _ = try await KinesisClient(client: refused).describeStreamSummary(stream)
        }
        try await refused.shutdown()

        // STS refuses a token that is not a JWT: a clear credentials error.
        try Data("not-a-jwt\n".utf8).write(to: token)
        let refusedToken = try AWSConfiguration.resolve(environment: environment, homeDirectory: "/nonexistent")
        let error = await #expect(throws: CredentialProviderError.self) {
            _ = try await refusedToken.credentialProvider.credentials()
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("InvalidIdentityToken"), "\(String(describing: error))")
    }

    @Test(
        "container endpoint (ECS, EKS Pod Identity): authorization sent, credentials cached until near expiry, then refreshed"
    )
    func containerEndpoint() async throws {
        guard try TestServices.current() != nil else { return }
        let url = try Self.standIn()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("edal-auth-\(UUID().uuidString)")
        try Data("Bearer test-token\n".utf8).write(to: tokenFile)
        defer { try? FileManager.default.removeItem(at: tokenFile) }

        // Long-lived: fetched once, then served from the cache, also to concurrent callers.
        let long = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(url)/ecs/long",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
            ]) { $1 }, homeDirectory: "/nonexistent")
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await long.credentialProvider.credentials().accessKeyId } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys.count == 1, "one fetch for eight concurrent callers: \(keys)")
        #expect(try await long.credentialProvider.credentials().accessKeyId == keys.first)

        // Expiring within the refresh margin: every call fetches anew.
        let short = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(url)/ecs/short",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer test-token",
            ]) { $1 }, homeDirectory: "/nonexistent")
        let first = try await short.credentialProvider.credentials()
        let second = try await short.credentialProvider.credentials()
        #expect(first.accessKeyId != second.accessKeyId)
        #expect(second.sessionToken?.hasPrefix("session-") == true)

        // A wrong authorization token is refused with the endpoint's answer in the error.
        let wrong = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(url)/ecs/long",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer nope",
            ]) { $1 }, homeDirectory: "/nonexistent")
        await #expect(throws: CredentialProviderError.self) { _ = try await wrong.credentialProvider.credentials() }
        // Plain http to a host that is neither loopback nor the ECS/EKS address is refused at start-up.
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.resolve(
                environment: Self.base.merging([
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"
                ]) { $1 }, homeDirectory: "/nonexistent")
        }
    }

    @Test("EC2 instance metadata, IMDSv2: a session token first, then the role's credentials")
    func instanceMetadata() async throws {
        guard try TestServices.current() != nil else { return }
        let url = try Self.standIn()
        let configuration = try AWSConfiguration.resolve(
            environment: Self.base.merging([
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": url
            ]) { $1 }, homeDirectory: "/nonexistent")
        let provider = try #require(configuration.credentialProvider as? RefreshingCredentialProvider)
        #expect(provider.source.contains("instance metadata"))
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId.hasPrefix("ASIASTANDIN"))
        #expect(credentials.expiration.map { $0.timeIntervalSinceNow > 3000 } == true)
        // Cached: well before expiry, no second fetch.
        #expect(try await provider.credentials().accessKeyId == credentials.accessKeyId)
    }
}
