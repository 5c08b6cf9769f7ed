import NIOConcurrencyHelpers

/// The SQS operations EDAL needs, over the AWS JSON 1.0 protocol.
///
/// Batch calls report per-entry failures in their result instead of throwing: a batch whose
/// request succeeded may still have entries that did not.
public struct SQSClient: Sendable {
    public let client: AWSClient
    private let wire = AWSJSONProtocol(service: .sqs, targetPrefix: "AmazonSQS", version: "1.0")

    public init(client: AWSClient) {
        self.client = client
    }

    /// The queue's region, read from its URL: SQS serves a queue only in its own region, so a fleet
    /// that reads queues in several regions signs each queue's calls for its region.
    static func region(of queueUrl: String) -> String? {
        if let known = queueRegions.withLockedValue({ $0[queueUrl] }) { return known }
        let region = SQSQueueURL(queueUrl)?.region
        queueRegions.withLockedValue { regions in
            if regions.count >= 1_024 { regions.removeAll() }  // a process reads a few queues
            regions[queueUrl] = .some(region)
        }
        return region
    }

    /// Queue URL → the region it names (or `nil`): read once per queue, not per request.
    private static let queueRegions = NIOLockedValueBox([String: String?]())

    // MARK: Queues

    /// Creates `name` with `attributes` and returns its URL; an existing queue with the same
    /// attributes is returned as it is.
    public func createQueue(_ name: String, attributes: [String: String] = [:]) async throws -> String {
        struct Input: Encodable, Sendable {
            var queueName: String
            var attributes: [String: String]?
        }
        struct Output: Decodable { var queueUrl: String }
        return try await wire.call(
            "CreateQueue", Input(queueName: name, attributes: attributes.isEmpty ? nil : attributes),
            output: Output.self, client: client
        ).queueUrl
    }

    /// The URL of the queue called `name`.
    public func getQueueUrl(_ name: String, ownerAccountId: String? = nil) async throws -> String {
        struct Input: Encodable, Sendable {
            var queueName: String
            var queueOwnerAWSAccountId: String?
        }
        struct Output: Decodable { var queueUrl: String }
        return try await wire.call(
            "GetQueueUrl", Input(queueName: name, queueOwnerAWSAccountId: ownerAccountId),
            output: Output.self, client: client
        ).queueUrl
    }

    /// The queue's attributes; `names` defaults to all of them.
    public func getQueueAttributes(_ queueUrl: String, names: [String] = ["All"]) async throws -> [String: String] {
        struct Input: Encodable, Sendable {
            var queueUrl: String
            var attributeNames: [String]
        }
        struct Output: Decodable { var attributes: [String: String]? }
        return try await wire.call(
            "GetQueueAttributes", Input(queueUrl: queueUrl, attributeNames: names),
            output: Output.self, client: client, region: Self.region(of: queueUrl)
        ).attributes ?? [:]
    }

    /// Sets queue attributes such as `RedrivePolicy` or `Policy`.
    public func setQueueAttributes(_ queueUrl: String, _ attributes: [String: String]) async throws {
        struct Input: Encodable, Sendable {
            var queueUrl: String
            var attributes: [String: String]
        }
        _ = try await wire.call(
            "SetQueueAttributes", Input(queueUrl: queueUrl, attributes: attributes),
            output: EmptyJSONOutput.self, client: client, region: Self.region(of: queueUrl))
    }

    /// Deletes every message in the queue.
    public func purgeQueue(_ queueUrl: String) async throws {
        struct Input: Encodable, Sendable { var queueUrl: String }
        _ = try await wire.call(
            "PurgeQueue", Input(queueUrl: queueUrl), output: EmptyJSONOutput.self, client: client,
            region: Self.region(of: queueUrl))
    }

    /// Deletes the queue.
    public func deleteQueue(_ queueUrl: String) async throws {
        struct Input: Encodable, Sendable { var queueUrl: String }
        _ = try await wire.call(
            "DeleteQueue", Input(queueUrl: queueUrl), output: EmptyJSONOutput.self, client: client,
            region: Self.region(of: queueUrl))
    }

    // MARK: Messages

    /// Receives up to `maximumMessages` (1…10), waiting up to `waitTimeSeconds` (0…20) for the first.
    ///
    /// System attributes (`ApproximateReceiveCount`, `SentTimestamp` …) and every message attribute
    /// are requested. The request timeout is extended by the wait time.
    public func receiveMessage(
        _ queueUrl: String, maximumMessages: Int = 10, waitTimeSeconds: Int = 20, visibilityTimeout: Int? = nil,
        retryPolicy: RetryPolicy? = nil
    ) async throws -> [SQSMessage] {
        let wait = min(max(waitTimeSeconds, 0), 20)
        let input = JSONValue.members([
            ("QueueUrl", .string(queueUrl)),
            ("MaxNumberOfMessages", .integer(min(max(maximumMessages, 1), 10))),
            ("WaitTimeSeconds", .integer(wait)),
            ("VisibilityTimeout", visibilityTimeout.map { .integer($0) }),
            ("AttributeNames", .array([.string("All")])),
            ("MessageSystemAttributeNames", .array([.string("All")])),
            ("MessageAttributeNames", .array([.string("All")])),
        ])
        return try await wire.call(
            "ReceiveMessage", body: input, client: client, extraTimeout: .seconds(wait),
            retryPolicy: retryPolicy, region: Self.region(of: queueUrl)
        ) { answer in
            try (answer["Messages"]?.arrayValue ?? []).map(SQSMessage.init(json:))
        }
    }

    /// Sends one message and returns its message id.
    public func sendMessage(
        _ queueUrl: String, body: String, delaySeconds: Int? = nil,
        messageAttributes: [String: SQSMessageAttribute]? = nil
    ) async throws -> String {
        struct Input: Encodable, Sendable {
            var queueUrl: String
            var messageBody: String
            var delaySeconds: Int?
            var messageAttributes: [String: SQSMessageAttribute]?
        }
        struct Output: Decodable { var messageId: String }
        return try await wire.call(
            "SendMessage",
            Input(
                queueUrl: queueUrl, messageBody: body, delaySeconds: delaySeconds,
                messageAttributes: messageAttributes),
            output: Output.self, client: client, region: Self.region(of: queueUrl)
        ).messageId
    }

    /// Sends up to 10 messages (256 KiB in all) in one call.
    public func sendMessageBatch(_ queueUrl: String, entries: [SQSSendEntry]) async throws -> SQSBatchResult {
        try await batch("SendMessageBatch", queueUrl, entries.map(\.json))
    }

    /// Deletes up to 10 messages by receipt handle in one call.
    public func deleteMessageBatch(_ queueUrl: String, entries: [SQSDeleteEntry]) async throws -> SQSBatchResult {
        try await batch("DeleteMessageBatch", queueUrl, entries.map(\.json))
    }

    /// Changes the visibility timeout of up to 10 messages in one call.
    public func changeMessageVisibilityBatch(_ queueUrl: String, entries: [SQSVisibilityEntry]) async throws
        -> SQSBatchResult
    {
        try await batch("ChangeMessageVisibilityBatch", queueUrl, entries.map(\.json))
    }

    private func batch(_ operation: String, _ queueUrl: String, _ entries: [JSONValue]) async throws -> SQSBatchResult {
        let input = JSONValue.object([
            (name: "QueueUrl", value: .string(queueUrl)), (name: "Entries", value: .array(entries)),
        ])
        let sent = entries.compactMap { $0["Id"]?.stringValue }
        return try await wire.call(operation, body: input, client: client, region: Self.region(of: queueUrl)) {
            answer throws(JSONReadError) in
            try SQSBatchResult(answer: answer, sent: sent)
        }
    }
}
