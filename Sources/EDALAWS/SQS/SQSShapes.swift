/// A message received from a queue.
public struct SQSMessage: Sendable, Equatable, Decodable {
    public var messageId: String
    /// Needed to delete the message or change its visibility; valid until the message is received again.
    public var receiptHandle: String
    public var body: String
    /// System attributes: `ApproximateReceiveCount`, `SentTimestamp`, `ApproximateFirstReceiveTimestamp` …
    public var attributes: [String: String]?
    public var messageAttributes: [String: SQSMessageAttribute]?

    public init(
        messageId: String, receiptHandle: String, body: String, attributes: [String: String]? = nil,
        messageAttributes: [String: SQSMessageAttribute]? = nil
    ) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.body = body
        self.attributes = attributes
        self.messageAttributes = messageAttributes
    }

    /// One member of `ReceiveMessage`'s `Messages` (PascalCase, as SQS sends it).
    init(json: JSONValue) throws(JSONReadError) {
        func required(_ name: String) throws(JSONReadError) -> String {
            guard let value = json[name]?.stringValue else {
                throw JSONReadError(reason: "a message without \(name)", offset: 0)
            }
            return value
        }
        messageId = try required("MessageId")
        receiptHandle = try required("ReceiptHandle")
        body = try required("Body")
        if case .object(let members)? = json["Attributes"] {
            var attributes: [String: String] = [:]
            for member in members {
                if let value = member.value.stringValue { attributes[member.name] = value }
            }
            self.attributes = attributes
        }
        if case .object(let members)? = json["MessageAttributes"] {
            var attributes: [String: SQSMessageAttribute] = [:]
            for member in members {
                guard let dataType = member.value["DataType"]?.stringValue else { continue }
                var attribute = SQSMessageAttribute(dataType: dataType, stringValue: "")
                attribute.stringValue = member.value["StringValue"]?.stringValue
                attributes[member.name] = attribute
            }
            messageAttributes = attributes
        }
    }

    /// How many times the message has been received, this time included.
    public var receiveCount: Int? { attributes?["ApproximateReceiveCount"].flatMap { Int($0) } }

    /// When the message was sent, in milliseconds since 1970.
    public var sentTimestampMilliseconds: Int64? { attributes?["SentTimestamp"].flatMap { Int64($0) } }
}

/// A typed message attribute (string and number types; binary is not used by EDAL).
public struct SQSMessageAttribute: Sendable, Equatable, Codable {
    public var dataType: String
    public var stringValue: String?

    public init(dataType: String = "String", stringValue: String) {
        self.dataType = dataType
        self.stringValue = stringValue
    }

    var json: JSONValue {
        .members([("DataType", .string(dataType)), ("StringValue", stringValue.map { .string($0) })])
    }
}

/// One entry of `SendMessageBatch`.
public struct SQSSendEntry: Sendable, Equatable {
    /// Unique within the batch; reported back in the result.
    public var id: String
    public var messageBody: String
    public var delaySeconds: Int?
    public var messageAttributes: [String: SQSMessageAttribute]?

    public init(
        id: String, messageBody: String, delaySeconds: Int? = nil,
        messageAttributes: [String: SQSMessageAttribute]? = nil
    ) {
        self.id = id
        self.messageBody = messageBody
        self.delaySeconds = delaySeconds
        self.messageAttributes = messageAttributes
    }

    /// The entry as sent (PascalCase members; attributes in name order).
    var json: JSONValue {
        .members([
            ("Id", .string(id)), ("MessageBody", .string(messageBody)),
            ("DelaySeconds", delaySeconds.map { .integer($0) }),
            (
                "MessageAttributes",
                messageAttributes.map { attributes in
                    .object(attributes.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value.json) })
                }
            ),
        ])
    }
}

/// One entry of `DeleteMessageBatch`.
public struct SQSDeleteEntry: Sendable, Equatable {
    public var id: String
    public var receiptHandle: String

    public init(id: String, receiptHandle: String) {
        self.id = id
        self.receiptHandle = receiptHandle
    }

    var json: JSONValue {
        .object([(name: "Id", value: .string(id)), (name: "ReceiptHandle", value: .string(receiptHandle))])
    }
}

/// One entry of `ChangeMessageVisibilityBatch`.
public struct SQSVisibilityEntry: Sendable, Equatable {
    public var id: String
    public var receiptHandle: String
    public var visibilityTimeout: Int

    public init(id: String, receiptHandle: String, visibilityTimeout: Int) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.visibilityTimeout = visibilityTimeout
    }

    var json: JSONValue {
        .object([
            (name: "Id", value: .string(id)), (name: "ReceiptHandle", value: .string(receiptHandle)),
            (name: "VisibilityTimeout", value: .integer(visibilityTimeout)),
        ])
    }
}

/// A batch entry that failed; the other entries of the batch may have succeeded.
public struct SQSBatchFailure: Sendable, Equatable, Decodable, Error {
    public var id: String
    /// e.g. `ReceiptHandleIsInvalid`, `InternalError`.
    public var code: String
    public var message: String?
    /// `true` when the request itself was wrong and a retry will fail the same way.
    public var senderFault: Bool
}

extension SQSBatchFailure {
    /// One member of a batch answer's `Failed`.
    init(json: JSONValue) throws(JSONReadError) {
        guard let id = json["Id"]?.stringValue, let code = json["Code"]?.stringValue else {
            throw JSONReadError(reason: "a failed entry without Id or Code", offset: 0)
        }
        self.id = id
        self.code = code
        message = json["Message"]?.stringValue
        if case .bool(let flag)? = json["SenderFault"] { senderFault = flag } else { senderFault = false }
    }
}

/// The per-entry outcome of a batch call: which ids succeeded, which failed and why.
public struct SQSBatchResult: Sendable, Equatable {
    public var successfulIds: [String]
    public var failed: [SQSBatchFailure]
    /// Message ids of sent messages, by entry id (`SendMessageBatch` only).
    public var messageIds: [String: String]

    public init(successfulIds: [String], failed: [SQSBatchFailure], messageIds: [String: String] = [:]) {
        self.successfulIds = successfulIds
        self.failed = failed
        self.messageIds = messageIds
    }

    /// The code of a failure EDAL records for an entry the answer does not list.
    public static let notInAnswer = "NotInAnswer"

    /// Reads a batch answer for the entries `sent` (their ids). An entry the answer lists neither
    /// as `Successful` nor as `Failed` is a failure worth retrying, not a success: a `200` whose
    /// body is empty or cut says nothing about it, and counting it done would lose a signal sent to
    /// the fallback queue (or a message's deletion, which then comes back as a duplicate).
    init(answer: JSONValue, sent: [String]) throws(JSONReadError) {
        var successfulIds: [String] = []
        var messageIds: [String: String] = [:]
        for entry in answer["Successful"]?.arrayValue ?? [] {
            guard let id = entry["Id"]?.stringValue else {
                throw JSONReadError(reason: "a successful entry without Id", offset: 0)
            }
            successfulIds.append(id)
            if let messageId = entry["MessageId"]?.stringValue { messageIds[id] = messageId }
        }
        var failed = try (answer["Failed"]?.arrayValue ?? []).map(SQSBatchFailure.init(json:))
        let answered = Set(successfulIds).union(failed.map(\.id))
        for id in sent where !answered.contains(id) {
            failed.append(
                SQSBatchFailure(
                    id: id, code: Self.notInAnswer,
                    message: "the answer names this entry neither successful nor failed", senderFault: false))
        }
        self.init(successfulIds: successfulIds, failed: failed, messageIds: messageIds)
    }
}

/// The queue attribute names EDAL reads and writes.
public enum SQSQueueAttribute {
    public static let queueArn = "QueueArn"
    public static let redrivePolicy = "RedrivePolicy"
    public static let policy = "Policy"
    public static let visibilityTimeout = "VisibilityTimeout"
    public static let messageRetentionPeriod = "MessageRetentionPeriod"
    public static let receiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds"
    public static let approximateNumberOfMessages = "ApproximateNumberOfMessages"
    public static let approximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
    public static let approximateNumberOfMessagesDelayed = "ApproximateNumberOfMessagesDelayed"
}
