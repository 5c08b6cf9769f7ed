import Foundation

/// The Kinesis Data Streams operations EDAL needs, over the AWS JSON 1.1 protocol.
public struct KinesisClient: Sendable {
    public let client: AWSClient
    private let wire = AWSJSONProtocol(service: .kinesis, targetPrefix: "Kinesis_20131202", version: "1.1")

    /// Largest batch `PutRecords` accepts.
    public static let maximumRecordsPerPut = 500
    /// Largest total payload (data plus partition keys) of one `PutRecords`.
    public static let maximumBytesPerPut = 5 << 20

    public init(client: AWSClient) {
        self.client = client
    }

    /// Creates a provisioned stream with `shardCount` shards.
    public func createStream(_ name: String, shardCount: Int = 1) async throws {
        struct Input: Encodable, Sendable {
            var streamName: String
            var shardCount: Int
        }
        _ = try await wire.call(
            "CreateStream", Input(streamName: name, shardCount: shardCount),
            output: EmptyJSONOutput.self, client: client)
    }

    /// Deletes the stream.
    public func deleteStream(_ name: String) async throws {
        struct Input: Encodable, Sendable {
            var streamName: String
            var enforceConsumerDeletion: Bool
        }
        _ = try await wire.call(
            "DeleteStream", Input(streamName: name, enforceConsumerDeletion: true),
            output: EmptyJSONOutput.self, client: client)
    }

    /// The stream's status and shard count.
    public func describeStreamSummary(_ name: String) async throws -> KinesisStreamSummary {
        struct Input: Encodable, Sendable { var streamName: String }
        struct Output: Decodable { var streamDescriptionSummary: KinesisStreamSummary }
        return try await wire.call(
            "DescribeStreamSummary", Input(streamName: name), output: Output.self, client: client
        )
        .streamDescriptionSummary
    }

    /// Polls until the stream is `ACTIVE` or `timeout` passes.
    public func waitUntilActive(_ name: String, timeout: Duration = .seconds(60)) async throws -> KinesisStreamSummary {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let summary = try await describeStreamSummary(name)
            if summary.streamStatus == "ACTIVE" || clock.now >= deadline { return summary }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Every shard of the stream, following `NextToken`.
    public func listShards(_ name: String) async throws -> [KinesisShard] {
        struct Input: Encodable, Sendable {
            var streamName: String?
            var nextToken: String?
        }
        struct Output: Decodable {
            var shards: [KinesisShard]?
            var nextToken: String?
        }
        var shards: [KinesisShard] = []
        var token: String?
        repeat {
            let input =
                token == nil ? Input(streamName: name, nextToken: nil) : Input(streamName: nil, nextToken: token)
            let output = try await wire.call("ListShards", input, output: Output.self, client: client)
            shards += output.shards ?? []
            token = output.nextToken
        } while token != nil
        return shards
    }

    /// Puts up to 500 records; the result says, per record and in order, whether it was stored.
    ///
    /// A call that succeeds may still have failed records (`failedRecordCount > 0`): retry those.
    public func putRecords(stream: String, records: [KinesisRecordInput]) async throws -> KinesisPutRecordsResult {
        let input = JSONValue.object([
            (name: "StreamName", value: .string(stream)), (name: "Records", value: .array(records.map(\.json))),
        ])
        let (failedRecordCount, entries) = try await wire.call("PutRecords", body: input, client: client) { answer in
            (answer["FailedRecordCount"]?.int64Value, answer["Records"]?.arrayValue ?? [])
        }
        guard entries.count == records.count else {
            throw AWSResponseDecodingError(
                service: .kinesis, operation: "PutRecords",
                reason: "\(records.count) records sent, \(entries.count) results returned")
        }
        let outcomes: [KinesisPutOutcome] = entries.map { entry in
            if let sequence = entry["SequenceNumber"]?.stringValue, let shard = entry["ShardId"]?.stringValue,
                entry["ErrorCode"]?.stringValue == nil
            {
                return .stored(shardId: shard, sequenceNumber: sequence)
            }
            return .failed(
                code: entry["ErrorCode"]?.stringValue ?? "Unknown", message: entry["ErrorMessage"]?.stringValue ?? "")
        }
        return KinesisPutRecordsResult(
            failedRecordCount: failedRecordCount.map { Int($0) } ?? outcomes.filter { !$0.isStored }.count,
            outcomes: outcomes)
    }

    /// An iterator for reading `shardId` from `start`.
    public func getShardIterator(stream: String, shardId: String, start: KinesisIteratorStart) async throws -> String {
        struct Input: Encodable, Sendable {
            var streamName: String
            var shardId: String
            var shardIteratorType: String
            var startingSequenceNumber: String?
            var timestamp: Double?
        }
        struct Output: Decodable { var shardIterator: String }
        var input = Input(streamName: stream, shardId: shardId, shardIteratorType: "TRIM_HORIZON")
        switch start {
        case .trimHorizon: break
        case .latest: input.shardIteratorType = "LATEST"
        case .atSequenceNumber(let sequence):
            input.shardIteratorType = "AT_SEQUENCE_NUMBER"
            input.startingSequenceNumber = sequence
        case .afterSequenceNumber(let sequence):
            input.shardIteratorType = "AFTER_SEQUENCE_NUMBER"
            input.startingSequenceNumber = sequence
        case .atTimestamp(let date):
            input.shardIteratorType = "AT_TIMESTAMP"
            input.timestamp = date.timeIntervalSince1970
        }
        return try await wire.call("GetShardIterator", input, output: Output.self, client: client).shardIterator
    }

    /// Reads up to `limit` records from `shardIterator`.
    public func getRecords(shardIterator: String, limit: Int = 10_000) async throws -> KinesisGetRecordsResult {
        struct Input: Encodable, Sendable {
            var shardIterator: String
            var limit: Int
        }
        return try await wire.call(
            "GetRecords", Input(shardIterator: shardIterator, limit: limit),
            output: KinesisGetRecordsResult.self, client: client)
    }
}
