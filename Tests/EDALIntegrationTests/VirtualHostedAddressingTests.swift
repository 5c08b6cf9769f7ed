import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Virtual-hosted S3 addressing (`bucket.s3.…`, what AWS prefers and the default without an
/// endpoint override) end to end against LocalStack, which serves `<bucket>.s3.localhost.localstack.cloud`.
/// There is no DNS for those names here, so `edal` reaches them as users behind a corporate proxy
/// do: `HTTP_PROXY` points at the test proxy, which tunnels them to LocalStack (the Host header
/// inside names the bucket); `NO_PROXY` keeps SQS and Kinesis direct.
@Suite(
    "virtual-hosted S3 addressing", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct VirtualHostedAddressingTests {
    @Test(
        "edal drain HEADs every object at bucket.s3.localhost.localstack.cloud through HTTP_PROXY; NO_PROXY hosts go direct"
    )
    func virtualHostedThroughAProxy() async throws {
        guard let services = try TestServices.current() else { return }
        guard services.s3Emulator == "localstack" else { return }  // moto serves path style only here
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-vhost")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 3)
        let keys = try await fixture.generate(12, seed: 37)
        try await fixture.waitForNotifications(keys.count)

        let proxy = try await FaultProxy.start(service: "s3", upstream: services.s3Endpoint, rules: [])
        let s3Port = try #require(AWSEndpoint(url: services.s3Endpoint)?.port)
        let proxyPort = try #require(AWSEndpoint(url: proxy.endpoint)?.port)
        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "30"],
            [
                "EDAL_MODE": "continuous",
                "AWS_ENDPOINT_URL_S3": "http://s3.localhost.localstack.cloud:\(s3Port)",
                "EDAL_S3_ADDRESSING_STYLE": "virtual",
                "HTTP_PROXY": "http://127.0.0.1:\(proxyPort)", "NO_PROXY": "127.0.0.1,localhost",
            ])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(3000))")
        #expect(figures.requests["s3.HeadObject"] == keys.count, "\(figures.requests)")

        // The HEADs went through the proxy (tunnelled, as HTTP clients use proxies) to the bucket's
        // own host; nothing else did (SQS and Kinesis are on NO_PROXY's 127.0.0.1).
        let stats = try await proxy.stats()
        #expect(
            Set(stats.proxiedHosts.keys) == ["\(fixture.bucket).s3.localhost.localstack.cloud:\(s3Port)"], "\(stats)")
        #expect(stats.requests.isEmpty, "\(stats)")
        let signals = try await fixture.streamSignals()
        #expect(
            Set(signals.map(\.evidence.key)) == Set(keys), "\(difference(Set(signals.map(\.evidence.key)), Set(keys)))")
        #expect(signals.count == keys.count)
    }
}
