import Foundation
import Testing

@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker

/// `edal sweep`: the backstop for objects whose notification never came.
@Suite(
    "sweep end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct SweepEndToEndTests {
    static let environment = ["EDAL_MODE": "continuous", "EDAL_SWEEP_PARTITIONS": "*/*/%Y/%m/%d/%H/"]

    @Test(
        "objects no notification announced are found by listing time partitions, signalled once; replicas share the window",
        arguments: StoreUnderTest.all)
    func sweepFindsWhatNotificationsMissed(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-sweep")
        defer { Task { await fixture.discardStore() } }
        // Queues and stream, but the bucket has no notification: only the sweep can find its objects.
        try await fixture.setUp()
        try await fixture.withClient { client in
            try await S3Client(client: client).putBucketNotificationConfiguration(
                fixture.bucket, S3NotificationConfiguration(queueConfigurations: []))
        }
        let keys = try await fixture.generate(50, seed: 8)
        // An object outside the time-partitioned layout is not listed by a partitioned sweep.
        try await fixture.withClient { client in
            _ = try await S3Client(client: client).putObject(
                bucket: fixture.bucket, key: "stray.jsonl", body: Array("{}".utf8))
        }

        // Two replicas sweep at once: one takes the window's lease, the other skips it.
        let replicas = try (0..<2).map { _ in try fixture.startEdal(["sweep"], Self.environment) }
        var outputs: [String] = []
        for replica in replicas {
            let outcome = await replica.wait()
            #expect(outcome.status == 0, "\(outcome.errors)")
            outputs.append(outcome.output)
        }
        #expect(outputs.filter { $0.contains("swept by another replica") }.count == 1, "\(outputs)")

        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count)
        #expect(
            Set(signals.map(\.evidence.key)) == Set(keys), "\(difference(Set(signals.map(\.evidence.key)), Set(keys)))")
        #expect(signals.allSatisfy { $0.origin.via == "sweep" })
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.values.allSatisfy { $0.status == .done && $0.claims == 1 })
        let watermark = try await {
            let opened = try await StateStoreFactory.open(uri: fixture.storeURI)
            defer { Task { await opened.close() } }
            return try await opened.watermark(bucket: fixture.bucket, prefix: "")
        }()
        // The watermark is S3's clock when the listing began (less a second): at or past the newest
        // object swept, and not in the future.
        let newest = try #require(claims.values.compactMap(\.lastModified).max())
        let mark = try #require(watermark)
        #expect(mark >= newest.addingTimeInterval(-1), "watermark \(mark) before the newest object swept, \(newest)")
        #expect(mark <= Date().addingTimeInterval(2), "watermark \(mark) in the future")

        // Sweeping again in the same window is skipped (another replica's, or this one's, lease) …
        let sameWindow = try await fixture.edal(["sweep"], Self.environment)
        #expect(sameWindow.status == 0, "\(sameWindow.errors)")
        // (Unless the 900 s window turned in between: then it is a sweep of a new window, as below.)
        #expect(
            sameWindow.output.contains("swept by another replica")
                || sameWindow.output.contains("claimed 0, duplicates \(keys.count)"),
            "\(sameWindow.output)")
        // … and in a new window (another interval, so another window number) the objects are listed
        // again, inside the overlap, and recognised: every one a duplicate, nothing signalled anew.
        let newWindow = try await fixture.edal(
            ["sweep"], Self.environment.merging(["EDAL_SWEEP_INTERVAL": "61"]) { $1 })
        #expect(newWindow.status == 0, "\(newWindow.errors)")
        #expect(newWindow.output.contains("claimed 0, duplicates \(keys.count)"), "\(newWindow.output)")
        #expect(try await fixture.streamSignals().count == keys.count)
    }

    @Test("objects the queue already handled are duplicates to the sweep")
    func sweepAfterNotifications() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-sweep-dup")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let keys = try await fixture.generate(30, seed: 9)
        try await fixture.waitForNotifications(keys.count)
        let (drained, _) = try await fixture.drain(["--idle-timeout", "30"], Self.environment)
        #expect(drained.status == 0, "\(drained.errors)")
        let swept = try await fixture.edal(["sweep"], Self.environment)
        #expect(swept.status == 0, "\(swept.errors)")
        #expect(swept.output.contains("claimed 0, duplicates \(keys.count)"), "\(swept.output)")
        #expect(try await fixture.streamSignals().count == keys.count)
    }
}
