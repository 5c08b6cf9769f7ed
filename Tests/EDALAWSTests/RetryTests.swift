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
}
