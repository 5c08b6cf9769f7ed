import EDALAWS
import EDALWorker
import Foundation
import Testing

@Suite(.enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct KinesisClientTests {
    @Test func putAndReadBack() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let kinesis = KinesisClient(client: client)
            let stream = TestServices.uniqueName("edal-signals")
            try await kinesis.createStream(stream, shardCount: 1)
            let summary = try await kinesis.waitUntilActive(stream)
            #expect(summary.streamStatus == "ACTIVE")
            #expect(summary.streamARN.hasSuffix(stream))
            let shards = try await kinesis.listShards(stream)
            #expect(shards.count == 1)

            let payloads = (0..<25).map { Data("{\"signal\":\($0),\"bytes\":\"\u{00}\u{FF}é\"}".utf8) }
            let result = try await kinesis.putRecords(
                stream: stream,
                records: payloads.enumerated().map {
                    KinesisRecordInput(data: $0.element, partitionKey: "service-\($0.offset % 3)")
                })
            #expect(result.failedRecordCount == 0)
            #expect(result.outcomes.count == 25)
            #expect(result.outcomes.allSatisfy { $0.isStored })

            let shard = try #require(shards.first)
            var iterator: String? = try await kinesis.getShardIterator(
                stream: stream, shardId: shard.shardId, start: .trimHorizon)
            var records: [KinesisRecord] = []
            for _ in 0..<10 {
                guard let current = iterator, records.count < 25 else { break }
                let page = try await kinesis.getRecords(shardIterator: current)
                records += page.records
                iterator = page.nextShardIterator
            }
            #expect(records.map(\.data) == payloads)
            #expect(records.map(\.partitionKey) == (0..<25).map { "service-\($0 % 3)" })
            try await kinesis.deleteStream(stream)
        }
    }

    @Test func missingStreamIsATypedError() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let error = await #expect(throws: AWSServiceError.self) {
                _ = try await KinesisClient(client: client).putRecords(
                    stream: TestServices.uniqueName("edal-none"),
                    records: [KinesisRecordInput(data: Data([1]), partitionKey: "k")])
            }
            #expect(error?.code == "ResourceNotFoundException")
        }
    }
}
