import Foundation

/// A record to put: its bytes and the key that picks its shard.
public struct KinesisRecordInput: Sendable, Equatable, Encodable {
    public var data: Data
    /// Records with the same partition key go to the same shard, in order.
    public var partitionKey: String
    public var explicitHashKey: String?

    public init(data: Data, partitionKey: String, explicitHashKey: String? = nil) {
        self.data = data
        self.partitionKey = partitionKey
        self.explicitHashKey = explicitHashKey
    }

    /// The record as sent: `Data` in base64, as the JSON protocol carries blobs.
    var json: JSONValue {
        .members([
            ("Data", .string(data.base64EncodedString())), ("PartitionKey", .string(partitionKey)),
            ("ExplicitHashKey", explicitHashKey.map { .string($0) }),
        ])
    }
}

/// The outcome of one record of `PutRecords`.
public enum KinesisPutOutcome: Sendable, Equatable {
    case stored(shardId: String, sequenceNumber: String)
    /// e.g. `ProvisionedThroughputExceededException` or `InternalFailure`: retry the record.
    case failed(code: String, message: String)

    public var isStored: Bool {
        if case .stored = self { return true }
        return false
    }
}

/// What `PutRecords` returns: one outcome per record, in the order given.
public struct KinesisPutRecordsResult: Sendable, Equatable {
    public var failedRecordCount: Int
    public var outcomes: [KinesisPutOutcome]
}

/// A record read back with `GetRecords`.
public struct KinesisRecord: Sendable, Equatable, Decodable {
    public var sequenceNumber: String
    public var data: Data
    public var partitionKey: String
    /// Seconds since 1970.
    public var approximateArrivalTimestamp: Double?
}

/// A page of `GetRecords`.
public struct KinesisGetRecordsResult: Sendable, Equatable, Decodable {
    public var records: [KinesisRecord]
    public var nextShardIterator: String?
    public var millisBehindLatest: Int64?
}

/// A stream's state, from `DescribeStreamSummary`.
public struct KinesisStreamSummary: Sendable, Equatable, Decodable {
    public var streamName: String
    public var streamARN: String
    /// `CREATING`, `ACTIVE`, `UPDATING` or `DELETING`.
    public var streamStatus: String
    public var openShardCount: Int?
    public var retentionPeriodHours: Int?
}

/// A shard of a stream.
public struct KinesisShard: Sendable, Equatable, Decodable {
    public struct HashKeyRange: Sendable, Equatable, Decodable {
        public var startingHashKey: String
        public var endingHashKey: String
    }
    public var shardId: String
    public var hashKeyRange: HashKeyRange?
    public var parentShardId: String?
}

/// Where `GetShardIterator` starts reading.
public enum KinesisIteratorStart: Sendable, Equatable {
    case trimHorizon
    case latest
    case atSequenceNumber(String)
    case afterSequenceNumber(String)
    case atTimestamp(Date)
}
