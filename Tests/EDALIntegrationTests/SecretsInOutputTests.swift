import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Secrets never leave EDAL: run at `trace` with known credentials and object metadata holding a
/// token, then search every byte it wrote: standard output, standard error and the signals.
@Suite(
    "secrets in output", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(5)))
struct SecretsInOutputTests {
    @Test("at trace, the secret key, the session token and a metadata token appear in no log line and no signal")
    func noSecretsAtTrace() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-secrets")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 3)
        let secret = "SECRETKEY-\(UUID().uuidString)"
        let sessionToken = "SESSIONTOKEN-\(UUID().uuidString)"
        let metadataToken = "METATOKEN-\(UUID().uuidString)"
        try await fixture.withClient { client in
            _ = try await S3Client(client: client).putObject(
                bucket: fixture.bucket, key: "logs/app/secret.jsonl", body: Array("{}\n".utf8),
                metadata: ["api-token": metadataToken, "service": "app"])
        }
        try await fixture.waitForNotifications(1)

        let (outcome, _) = try await fixture.drain(
            ["--idle-timeout", "20"],
            [
                "EDAL_MODE": "continuous", "EDAL_LOG_LEVEL": "trace",
                "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": sessionToken,
            ])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        let signals = try await fixture.allStreamSignals()
        #expect(signals.count >= 1)
        let published = try signals.map { String(decoding: try $0.encoded(), as: UTF8.self) }.joined(separator: "\n")
        #expect(
            published.contains(SignalMetadataPolicy.redacted),
            "the token's name is kept, its value redacted: \(published)")
        let written = outcome.output + outcome.errors + published
        #expect(written.count > 1000, "trace wrote little: \(written.count) bytes")
        for value in [secret, sessionToken, metadataToken] {
            #expect(!written.contains(value), "\(value.prefix(12))… appeared in what EDAL wrote")
        }
    }
}
