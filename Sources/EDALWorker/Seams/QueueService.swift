import EDALAWS

/// The queue calls the worker makes: what `SQSClient` does against SQS, and a simulated queue does
/// in the deterministic simulation. Answers and errors are SQS's own.
public protocol QueueService: Sendable {
    /// One receive (a long poll of `waitTimeSeconds`), hiding what it returns for `visibilityTimeout`.
    func receiveMessages(_ queueUrl: String, maximumMessages: Int, waitTimeSeconds: Int, visibilityTimeout: Int?)
        async throws -> [SQSMessage]
    func deleteMessageBatch(_ queueUrl: String, entries: [SQSDeleteEntry]) async throws -> SQSBatchResult
    func changeMessageVisibilityBatch(_ queueUrl: String, entries: [SQSVisibilityEntry]) async throws -> SQSBatchResult
    func sendMessageBatch(_ queueUrl: String, entries: [SQSSendEntry]) async throws -> SQSBatchResult
    func getQueueAttributes(_ queueUrl: String, names: [String]) async throws -> [String: String]
}

extension SQSClient: QueueService {
    public func receiveMessages(_ queueUrl: String, maximumMessages: Int, waitTimeSeconds: Int, visibilityTimeout: Int?)
        async throws -> [SQSMessage]
    {
        try await receiveMessage(
            queueUrl, maximumMessages: maximumMessages, waitTimeSeconds: waitTimeSeconds,
            visibilityTimeout: visibilityTimeout)
    }
}
