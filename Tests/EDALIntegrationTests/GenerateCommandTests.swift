import EDALAWS
import EDALTools
import EDALWorker
import Foundation
import Testing

/// `edal generate` run as a user runs it, against LocalStack's S3.
@Suite("edal generate", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct GenerateCommandTests {
    @Test("uploads objects with summary metadata; the ground truth is only in the manifest")
    func uploadsWithMetadata() async throws {
        guard let services = try TestServices.current() else { return }
        let bucket = TestServices.uniqueName("edal-generate")
        let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("\(bucket).jsonl")
        defer { try? FileManager.default.removeItem(at: manifest) }
        let environment = services.processEnvironment()
        let output = try await HelperProcess.run(
            try HelperProcess.executable("edal"),
            [
                "generate", "--bucket", bucket, "--objects", "60", "--object-size", "4KiB", "--anomaly-rate", "0.5",
                "--seed", "5", "--manifest", manifest.path,
            ], environment: environment)
        #expect(output.contains("uploaded 60 objects"))

        let entries = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(SyntheticUpload.ManifestEntry.self, from: Data($0.utf8))
        }
        #expect(entries.count == 60)
        #expect(entries.contains { $0.anomalous } && entries.contains { !$0.anomalous })

        try await services.withClient { client in
            let s3 = S3Client(client: client)
            let page = try await s3.listObjectsV2(bucket: bucket)
            #expect(Set(page.objects.map(\.key)) == Set(entries.map(\.key)))
            for entry in entries.prefix(12) {
                let head = try #require(try await s3.headObject(bucket: bucket, key: entry.key))
                #expect(head.contentLength == Int64(entry.size))
                #expect(head.metadata["kind"] == entry.kind?.rawValue)
                #expect(head.metadata["service"] == entry.service)
                #expect(Int(head.metadata["record-count"] ?? "") != nil)
                #expect(head.metadata["error-rate"] != nil)
                #expect(!head.metadata.keys.contains { $0.contains("anomal") || $0.contains("shape") })
            }
        }
    }
}
