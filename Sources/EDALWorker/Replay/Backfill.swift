import EDALAWS
import Foundation
import Logging

/// Enqueues notifications for objects that already exist (a bucket/prefix, optionally a time range),
/// shaped exactly like S3's own (keys form-encoded), so the workers handle them as any other.
/// Ten records go in one message; objects already processed are duplicates and cost one claim.
public struct Backfill: Sendable {
    public var s3: S3Client
    public var sqs: SQSClient
    public var logger: Logger

    /// Records per message.
    static let recordsPerMessage = 10

    public init(s3: S3Client, sqs: SQSClient, logger: Logger = Logger(label: "edal.replay")) {
        self.s3 = s3
        self.sqs = sqs
        self.logger = logger
    }

    /// Enqueues one notification record per object of `location` last modified in `since..<until`;
    /// answers how many objects were enqueued.
    public func run(_ location: WatchedLocation, since: Date? = nil, until: Date? = nil, queueURL: String) async throws
        -> Int
    {
        var records: [[String: Any]] = []
        var messages: [String] = []
        var objects = 0
        for try await page in s3.listAllObjects(
            bucket: location.bucket, prefix: location.prefix.isEmpty ? nil : location.prefix)
        {
            for object in page.objects {
                if let since, object.lastModified < since { continue }
                if let until, object.lastModified >= until { continue }
                records.append(Self.record(bucket: location.bucket, object: object))
                objects += 1
                if records.count == Self.recordsPerMessage {
                    messages.append(Self.body(records))
                    records.removeAll()
                }
                if messages.count == 10 {
                    try await send(messages, to: queueURL)
                    messages.removeAll()
                }
            }
        }
        if !records.isEmpty { messages.append(Self.body(records)) }
        if !messages.isEmpty { try await send(messages, to: queueURL) }
        logger.info("backfill enqueued", metadata: ["location": "\(location)", "objects": "\(objects)"])
        return objects
    }

    private func send(_ bodies: [String], to queueURL: String) async throws {
        let entries = bodies.enumerated().map { index, body in
            SQSSendEntry(
                id: String(index), messageBody: body,
                messageAttributes: ["edal-replay": SQSMessageAttribute(stringValue: "backfill")])
        }
        let result = try await sqs.sendMessageBatch(queueURL, entries: entries)
        if let failure = result.failed.first {
            throw AWSServiceError(
                service: .sqs, operation: "SendMessageBatch", code: failure.code,
                message: failure.message ?? "a backfill message was refused", statusCode: 400)
        }
    }

    static func record(bucket: String, object: S3ListedObject) -> [String: Any] {
        [
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventName": "ObjectCreated:Replay",
            "eventTime": HTTPDate.formatISO8601(object.lastModified),
            "s3": [
                "s3SchemaVersion": "1.0",
                "bucket": ["name": bucket, "arn": "arn:aws:s3:::\(bucket)"],
                "object": ["key": object.key.formEncoded(), "size": object.size, "eTag": object.eTag] as [String: Any],
            ] as [String: Any],
        ]
    }

    static func body(_ records: [[String: Any]]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: ["Records": records]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
