import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Keys written more than once: the newest content of a key written twice in quick succession is
/// signalled, and the same bytes uploaded again give no second signal (the proof of concept's
/// "bucket + key + content" rule), through notifications and the sweep.
@Suite(
    "overwrites and re-uploads end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct OverwriteEndToEndTests {
    static let environment = ["EDAL_MODE": "continuous", "EDAL_SWEEP_PARTITIONS": "*/*/%Y/%m/%d/%H/"]

    /// A key in the layout the sweep lists (`logs/<service>/YYYY/MM/DD/HH/…`), this hour.
    static func key(_ name: String) -> String {
        let now = CivilTime(epochSeconds: Int64(Date().timeIntervalSince1970))
        return String(
            format: "logs/overwrite/%04d/%02d/%02d/%02d/%@.json", now.year, now.month, now.day, now.hour, name)
    }

    @Test(
        "a key written twice at once: its newest content is signalled; the same bytes again: no second signal",
        arguments: StoreUnderTest.all)
    func overwritesAndReuploads(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-overwrite")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 5)

        // 20 keys written twice with different bytes, back to back; 20 more written once.
        let twice = (0..<20).map { Self.key("twice-\($0)") }
        let once = (0..<20).map { Self.key("once-\($0)") }
        var newest: [String: String] = [:]
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for (index, key) in twice.enumerated() {
                _ = try await s3.putObject(bucket: fixture.bucket, key: key, body: Array("{\"first\":\(index)}".utf8))
                newest[key] = try await s3.putObject(
                    bucket: fixture.bucket, key: key, body: Array("{\"second\":\(index)}".utf8)
                ).eTag
            }
            for (index, key) in once.enumerated() {
                _ = try await s3.putObject(bucket: fixture.bucket, key: key, body: Array("{\"once\":\(index)}".utf8))
            }
        }
        try await fixture.waitForNotifications(twice.count * 2 + once.count)
        let (first, figures) = try await fixture.drain(["--idle-timeout", "20"], Self.environment)
        #expect(first.status == 0, "\(first.errors) \(figures)")
        var signals = try await fixture.streamSignals()
        for key in twice {
            let eTags = Set(
                signals.filter { $0.evidence.key == key }.map {
                    $0.evidence.eTag.replacingOccurrences(of: "\"", with: "")
                })
            #expect(
                eTags.contains(newest[key]?.replacingOccurrences(of: "\"", with: "") ?? "?"),
                "\(key): signalled \(eTags)")
        }
        // At most one signal id per content.
        let contents = Set(signals.map { "\($0.evidence.key) \($0.evidence.eTag)" })
        #expect(Set(signals.map(\.signalId)).count == contents.count)

        // The same bytes uploaded again to the `once` keys: a duplicate through the notification and the sweep.
        let before = signals.count
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for (index, key) in once.enumerated() {
                _ = try await s3.putObject(bucket: fixture.bucket, key: key, body: Array("{\"once\":\(index)}".utf8))
            }
        }
        try await fixture.waitForNotifications(once.count)
        let (second, secondFigures) = try await fixture.drain(["--idle-timeout", "20"], Self.environment)
        #expect(second.status == 0, "\(second.errors)")
        #expect(secondFigures["duplicates"] == once.count, "\(secondFigures)")
        let swept = try await fixture.edal(["sweep"], Self.environment)
        #expect(swept.status == 0, "\(swept.errors)")
        signals = try await fixture.streamSignals()
        #expect(signals.count == before, "re-uploaded bytes were signalled again: \(signals.count - before) more")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }

    @Test(
        "an object deleted before EDAL reached it, then uploaded again with the same bytes, is signalled once",
        arguments: StoreUnderTest.all)
    func deletedThenUploadedAgain(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-gone")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 5)

        // Uploaded and deleted before any worker ran: the drain finds the objects gone.
        let keys = (0..<10).map { Self.key("gone-\($0)") }
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for (index, key) in keys.enumerated() {
                _ = try await s3.putObject(bucket: fixture.bucket, key: key, body: Array("{\"gone\":\(index)}".utf8))
                try await s3.deleteObject(bucket: fixture.bucket, key: key)
            }
        }
        try await fixture.waitForNotifications(keys.count)
        let (first, firstFigures) = try await fixture.drain(["--idle-timeout", "15"], Self.environment)
        #expect(first.status == 0, "\(first.errors)")
        #expect(firstFigures["objects_gone"] == keys.count, "\(firstFigures)")
        #expect(try await fixture.streamSignals().isEmpty)

        // The same bytes uploaded again: content never signalled, so each is signalled now, once.
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for (index, key) in keys.enumerated() {
                _ = try await s3.putObject(bucket: fixture.bucket, key: key, body: Array("{\"gone\":\(index)}".utf8))
            }
        }
        try await fixture.waitForNotifications(keys.count)
        let (second, secondFigures) = try await fixture.drain(["--idle-timeout", "15"], Self.environment)
        #expect(second.status == 0, "\(second.errors)")
        let signals = try await fixture.streamSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys), "\(secondFigures)")
        #expect(signals.count == keys.count)
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }
}
