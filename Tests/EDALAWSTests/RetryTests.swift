import EDALAWS
import Foundation
import Testing

@Suite(.timeLimit(.minutes(10))) struct RetryTests {
    @Test func unreachableServiceIsRetriedThenReportedAsTransportError() async throws {
        // Port 9 on loopback: nothing listens there (discard), so every connection is refused.
        let configuration = AWSConfiguration(
            region: "us-east-1",
            credentialProvider: StaticCredentialProvider(
                AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), source: "test"),
            endpointOverrides: [.sqs: AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 9)]
        )
        let policy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(10), maximumDelay: .milliseconds(20))
        let client = AWSClient(
            configuration: configuration, options: .init(connectTimeout: .seconds(1), retryPolicy: policy))
        let started = ContinuousClock.now
        let error = await #expect(throws: AWSTransportError.self) {
            _ = try await SQSClient(client: client).getQueueUrl("q")
        }
        #expect(error?.attempts == 3)
        // Bounded, not a speed check: three refused attempts must not wait out long timeouts
        // (the bound is loose because the suites run in parallel on two cores).
        #expect(ContinuousClock.now - started < .seconds(30))
        try await client.shutdown()
    }

    @Test("in the standard retry mode a service's retry quota runs out in an outage: then each request is sent once")
    func retryQuotaStopsRetryStorms() async throws {
        let configuration = AWSConfiguration(
            region: "us-east-1",
            credentialProvider: StaticCredentialProvider(
                AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), source: "test"),
            endpointOverrides: [.sqs: AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 9)]
        )
        #expect(configuration.retryMode == AWSRetryMode(strategy: .standard, maximumAttempts: 3))
        // The standard mode's quota with a quick schedule (the test waits for no 1 s backoff).
        let policy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(2))
        let client = AWSClient(
            configuration: configuration, options: .init(connectTimeout: .seconds(1), retryPolicy: policy))
        let sqs = SQSClient(client: client)
        // A refused connection is a transport fault: each retry takes 10 of the 500 tokens, so 25
        // requests of three attempts spend them.
        for _ in 0..<25 {
            let error = await #expect(throws: AWSTransportError.self) { _ = try await sqs.getQueueUrl("q") }
            #expect(error?.attempts == 3)
        }
        #expect(client.retryTokens(for: .sqs) == 0)
        let spent = await #expect(throws: AWSTransportError.self) { _ = try await sqs.getQueueUrl("q") }
        #expect(spent?.attempts == 1, "sent once with the quota spent")
        #expect(client.retryTokens(for: .s3) == AWSRetryQuota.capacity, "each service has its own quota")
        try await client.shutdown()
    }

    @Test(
        "retry mode and attempts from AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, else the profile; adaptive is refused with a reason"
    )
    func retryModeIsConfigured() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edal-retry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config")
        try "[default]\nregion = eu-west-1\nretry_mode = legacy\nmax_attempts = 7\n".write(
            to: config, atomically: true, encoding: .utf8)
        let base = ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_CONFIG_FILE": config.path]
        let fromProfile = try AWSConfiguration.resolve(environment: base, homeDirectory: directory.path)
        #expect(fromProfile.retryMode == AWSRetryMode(strategy: .legacy, maximumAttempts: 7))
        let fromEnvironment = try AWSConfiguration.resolve(
            environment: base.merging(["AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "4"]) { $1 },
            homeDirectory: directory.path)
        #expect(fromEnvironment.retryMode == AWSRetryMode(strategy: .standard, maximumAttempts: 4))
        #expect(fromEnvironment.retryMode.policy.maximumDelay == .seconds(20))
        let defaults = try AWSConfiguration.resolve(
            environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": "us-east-1"],
            homeDirectory: "/nonexistent")
        #expect(defaults.retryMode.maximumAttempts == 3 && defaults.retryMode.usesQuota)
        for (variable, value) in [
            ("AWS_RETRY_MODE", "adaptive"), ("AWS_RETRY_MODE", "eager"), ("AWS_MAX_ATTEMPTS", "0"),
        ] {
            let error = #expect(throws: AWSConfigurationError.self) {
                try AWSConfiguration.resolve(
                    environment: base.merging([variable: value]) { $1 }, homeDirectory: directory.path)
            }
            #expect(error.map { "\($0)".contains(variable) } == true, "\(String(describing: error))")
        }
    }
}
