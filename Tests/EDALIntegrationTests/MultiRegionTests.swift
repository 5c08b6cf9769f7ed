import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Buckets in two regions read by one fleet: S3 calls signed for each bucket's region (learnt from
/// the notification, `HeadBucket`, or S3's own correction), one notification queue per region.
/// In front of LocalStack (which has no regions for S3) the fault proxy answers exactly as S3
/// does a request signed for the wrong region.
@Suite(
    "buckets in several regions", .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct MultiRegionTests {
    static let otherRegion = "eu-west-1"

    @Test(
        "S3 calls follow S3's region corrections once and remember them: a wrong notification region, and a bucket looked up with HeadBucket"
    )
    func regionCorrections() async throws {
        guard let services = try TestServices.current() else { return }
        let bucket = TestServices.uniqueName("edal-region")
        let key = "logs/one.json"
        try await services.withClient(try services.configuration(region: Self.otherRegion)) { client in
            let s3 = S3Client(client: client)
            try await s3.createBucket(bucket)
            _ = try await s3.putObject(bucket: bucket, key: key, body: Array("{}".utf8))
        }
        let proxy = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint, rules: [], bucketRegions: [bucket: Self.otherRegion])
        // The worker's region is the services' (us-east-1); the bucket is in eu-west-1.
        let configuration = try services.configuration(allServices: nil)
        var viaProxy = configuration
        let proxyEndpoint = try #require(AWSEndpoint(url: proxy.endpoint))
        viaProxy.endpointOverrides[.s3] = proxyEndpoint
        try await services.withClient(viaProxy) { client in
            // A notification that names the wrong region: corrected once, then remembered.
            let s3 = S3Client(client: client)
            #expect(try await s3.headObject(bucket: bucket, key: key, region: "us-west-2")?.contentLength == 2)
            #expect(s3.regions.region(of: bucket) == Self.otherRegion)
            #expect(try await s3.headObject(bucket: bucket, key: key, region: "us-west-2")?.contentLength == 2)
            // No region at all (a sweep's listing): asked of HeadBucket first.
            let fresh = S3Client(client: client)
            let page = try await fresh.listObjectsV2(bucket: bucket)
            #expect(page.objects.map(\.key) == [key])
        }
        let stats = try await proxy.stats()
        #expect(stats.injected["s3.HeadObject wrong_region"] == 1, "\(stats.injected)")
        #expect(stats.injected["s3.HeadBucket wrong_region"] == 1, "\(stats.injected)")
        #expect(stats.injected["s3.ListObjectsV2 wrong_region"] == nil, "\(stats.injected)")
        #expect(stats.requests["s3.ListObjectsV2"] == 1, "\(stats.requests)")
    }

    @Test(
        "one fleet, buckets in two regions, a queue in each: every object signalled once, nothing left in a queue or its DLQ"
    )
    func twoRegionsOneFleet() async throws {
        guard let services = try TestServices.current() else { return }
        let home = try PipelineFixture(services: services, store: .sqlite, name: "edal-home")
        let away = try PipelineFixture(services: services, store: .sqlite, name: "edal-away", region: Self.otherRegion)
        defer { Task { await home.discardStore() } }
        defer { Task { await away.discardStore() } }
        try await home.setUp()
        try await away.setUp(stream: false)
        let homeKeys = try await home.generate(10, seed: 31)
        let awayKeys = try await away.generate(10, seed: 32)
        try await home.waitForNotifications(homeKeys.count)
        try await away.waitForNotifications(awayKeys.count)
        let homeQueue = try await home.url(home.queue)
        let awayQueue = try await away.url(away.queue)
        #expect(awayQueue.contains(Self.otherRegion), "the queue URL names its region: \(awayQueue)")

        let proxy = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint, rules: [],
            bucketRegions: [home.bucket: services.region, away.bucket: Self.otherRegion])
        // The home deployment's worker (us-east-1, its stream), reading both queues and both buckets.
        let (drained, figures) = try await home.drain(
            ["--idle-timeout", "10"],
            [
                "EDAL_QUEUE": "\(homeQueue),\(awayQueue)", "EDAL_WATCH": "\(home.bucket),\(away.bucket)",
                "AWS_ENDPOINT_URL_S3": proxy.endpoint, "EDAL_MODE": "continuous",
            ])
        #expect(drained.status == 0, "\(drained.errors.suffix(3000))")
        let signals = try await home.streamSignals()
        #expect(signals.count == homeKeys.count + awayKeys.count, "\(figures)")
        #expect(Set(signals.map(\.evidence.key)) == Set(homeKeys + awayKeys))
        #expect(Set(signals.map(\.evidence.bucket)) == [home.bucket, away.bucket])
        for fixture in [home, away] {
            #expect(try await fixture.messages(in: fixture.queue) == 0)
            #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        }
        // The sweep lists the bucket in its region too (no notification to say it: HeadBucket does).
        let swept = try await home.edal(
            ["sweep"],
            ["EDAL_QUEUE": homeQueue, "EDAL_WATCH": away.bucket, "AWS_ENDPOINT_URL_S3": proxy.endpoint])
        #expect(swept.status == 0, "\(swept.errors.suffix(3000))")
        let stats = try await proxy.stats()
        #expect(stats.requests["s3.ListObjectsV2", default: 0] >= 1, "\(stats.requests)")
        #expect(stats.injected["s3.ListObjectsV2 wrong_region"] == nil, "\(stats.injected)")
        #expect(
            stats.injected["s3.HeadObject wrong_region"] == nil, "the notifications' region was used: \(stats.injected)"
        )
    }
}
