import EDALAWS
import EDALWorker
import Foundation
import Testing

@Suite(.enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10))) struct S3ClientTests {
    @Test func putHeadListRoundTrip() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let s3 = S3Client(client: client)
            let bucket = TestServices.uniqueName("edal-s3")
            try await s3.createBucket(bucket)
            try await s3.createBucket(bucket)  // idempotent

            let keys = [
                "logs/checkout/2026/11/24/a b+c.jsonl", "logs/checkout/2026/11/24/ünïcødé €.jsonl",
                "logs/checkout/2026/11/25/x%2By.jsonl", "metrics/api/1.json", "traces/t.json",
            ]
            var eTags: [String: String] = [:]
            for (index, key) in keys.enumerated() {
                let body = Array("{\"n\":\(index)}\n".utf8)
                let put = try await s3.putObject(
                    bucket: bucket, key: key, body: body, contentType: "application/x-ndjson",
                    metadata: ["record-count": "\(index + 1)", "Service": "checkout"])
                eTags[key] = put.eTag
                #expect(put.eTag.count == 32, "simple upload ETag is an MD5: \(put.eTag)")
            }

            let head = try #require(try await s3.headObject(bucket: bucket, key: keys[1]))
            #expect(head.key == keys[1])
            #expect(head.contentLength == Int64("{\"n\":1}\n".utf8.count))
            #expect(head.eTag == eTags[keys[1]])
            #expect(head.contentType == "application/x-ndjson")
            #expect(head.metadata["record-count"] == "2")
            #expect(head.metadata["service"] == "checkout")
            #expect(head.storageClass == "STANDARD")
            let modified = try #require(head.lastModified)
            #expect(abs(modified.timeIntervalSinceNow) < 300)

            #expect(try await s3.headObject(bucket: bucket, key: "no/such/key") == nil)

            // Paging: two keys per page, every key back exactly as stored (never decoded).
            var listed: [String] = []
            var pages = 0
            for try await page in s3.listAllObjects(bucket: bucket, prefix: "logs/", pageSize: 2) {
                pages += 1
                listed += page.objects.map(\.key)
                for object in page.objects { #expect(object.eTag == eTags[object.key]) }
            }
            #expect(
                listed
                    == keys.filter { $0.hasPrefix("logs/") }.sorted {
                        Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
                    })
            #expect(pages == 2)

            let after = try await s3.listObjectsV2(bucket: bucket, startAfter: "logs/checkout/2026/11/25/x%2By.jsonl")
            #expect(after.objects.map(\.key) == ["metrics/api/1.json", "traces/t.json"])
            #expect(after.isTruncated == false)
        }
    }

    @Test func missingBucketIsATypedError() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let s3 = S3Client(client: client)
            let error = await #expect(throws: AWSServiceError.self) {
                _ = try await s3.listObjectsV2(bucket: TestServices.uniqueName("edal-missing"))
            }
            #expect(error?.code == "NoSuchBucket")
        }
    }

    @Test func nonASCIIMetadataIsRefusedBeforeSending() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            await #expect(throws: S3MetadataError.self) {
                _ = try await S3Client(client: client).putObject(
                    bucket: "any", key: "k", body: [], metadata: ["note": "café"])
            }
        }
    }
}
