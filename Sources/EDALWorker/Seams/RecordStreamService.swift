import EDALAWS

/// Where signals go first: `KinesisClient` puts records into a Kinesis stream; a simulated stream
/// records them in the deterministic simulation.
public protocol RecordStreamService: Sendable {
    /// Puts `records`; the result says, per record, whether it was taken or refused (and why).
    func putRecords(stream: String, records: [KinesisRecordInput]) async throws -> KinesisPutRecordsResult
}

extension KinesisClient: RecordStreamService {}
