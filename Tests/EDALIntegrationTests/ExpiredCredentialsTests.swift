import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Temporary credentials refused as expired before the cache thought them due: the worker fetches
/// new ones and signs again, on any call, a bodiless `HEAD` refusal included.
@Suite(
    "credentials refused as expired", .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct ExpiredCredentialsTests {
    @Test(
        "a HEAD answered 403 and others 400 with no body, a delete answered ExpiredToken: fresh credentials, signed again, no HEAD refused, every object signalled, nothing sent towards the DLQ"
    )
    func expiredTokensAreRefreshed() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-expired")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let keys = try await fixture.generate(10, seed: 51)
        try await fixture.waitForNotifications(keys.count)
        let s3 = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint,
            rules: [
                // First a bodiless 403 (a HEAD cannot say why), then S3's 400 for an expired token.
                .init(operation: "s3.HeadObject", fault: "forbidden", times: 1),
                .init(operation: "s3.HeadObject", fault: "expired", every: 3, times: 3),
            ])
        let sqs = try await FaultProxy.start(
            service: "sqs", upstream: services.sqsEndpoint,
            rules: [.init(operation: "sqs.DeleteMessageBatch", fault: "expired", times: 1)])
        // Temporary credentials from the container endpoint (a fresh key at each fetch).
        let (drained, figures) = try await fixture.drain(
            ["--idle-timeout", "30"],
            [
                "EDAL_MODE": "continuous", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": try ContainerCredentialsTests.standIn() + "/ecs/long",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer test-token",
                "AWS_ENDPOINT_URL_S3": s3.endpoint, "AWS_ENDPOINT_URL_SQS": sqs.endpoint,
            ])
        #expect(drained.status == 0, "\(drained.errors.suffix(3000))")
        #expect(try await s3.stats().injected(into: "s3.HeadObject") == 4)
        #expect(try await sqs.stats().injected(into: "sqs.DeleteMessageBatch") == 1)
        let summary = try JSONSerialization.jsonObject(with: Data(figures.raw.utf8)) as? [String: Any]
        let reasons = summary?["retry_reasons"] as? [String: Int] ?? [:]
        // The delete's ExpiredToken and at least the first HEAD are signed again at once (a bodiless
        // HEAD refusal refreshes one set of credentials at most every 30 s: the others are held and
        // tried again by the worker, still not refused).
        #expect(reasons["expired_credentials", default: 0] >= 2, "\(figures)")
        #expect(figures["refused_heads"] == 0, "\(figures)")
        try await fixture.expectEachSignalledOnce(keys)
    }
}
