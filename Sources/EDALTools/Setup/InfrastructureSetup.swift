import EDALAWS
import Foundation
import Logging

/// Creates, idempotently, what EDAL consumes and publishes to: the buckets' notification queue with
/// its dead-letter queue and redrive policy, a queue policy letting S3 send to it, the buckets and
/// their `s3:ObjectCreated:*` notification, the Kinesis stream, and the fallback signals queue.
/// Running it again changes nothing that is already right.
public struct InfrastructureSetup: Sendable {
    public struct Plan: Sendable, Equatable {
        public var buckets: [String]
        public var queueName: String = "edal-notifications"
        public var deadLetterQueueName: String = "edal-notifications-dlq"
        public var fallbackQueueName: String = "edal-signals-fallback"
        /// Empty: no stream is created.
        public var streamName: String = "edal-signals"
        public var shardCount: Int = 2
        public var visibilityTimeout: Int = 30
        /// Receives of one message before SQS moves it to the dead-letter queue.
        public var maxReceiveCount: Int = 5

        public init(buckets: [String]) {
            self.buckets = buckets
        }
    }

    /// What was set up.
    public struct Result: Sendable, Equatable {
        public var queueURL: String
        public var deadLetterQueueURL: String
        public var fallbackQueueURL: String
        public var streamName: String?
    }

    public var s3: S3Client
    public var sqs: SQSClient
    public var kinesis: KinesisClient
    public var logger: Logger

    public init(s3: S3Client, sqs: SQSClient, kinesis: KinesisClient, logger: Logger = Logger(label: "edal.setup")) {
        self.s3 = s3
        self.sqs = sqs
        self.kinesis = kinesis
        self.logger = logger
    }

    public func run(_ plan: Plan) async throws -> Result {
        let deadLetterURL = try await sqs.createQueue(plan.deadLetterQueueName)
        try await sqs.setQueueAttributes(deadLetterURL, [SQSQueueAttribute.messageRetentionPeriod: "1209600"])
        let deadLetterARN = try await queueARN(deadLetterURL)

        let queueURL = try await sqs.createQueue(plan.queueName)
        let queueArn = try await queueARN(queueURL)
        try await sqs.setQueueAttributes(
            queueURL,
            [
                SQSQueueAttribute.visibilityTimeout: String(plan.visibilityTimeout),
                SQSQueueAttribute.messageRetentionPeriod: "1209600",
                SQSQueueAttribute.redrivePolicy: Self.json([
                    "deadLetterTargetArn": deadLetterARN, "maxReceiveCount": String(plan.maxReceiveCount),
                ]),
                SQSQueueAttribute.policy: Self.queuePolicy(queueARN: queueArn, buckets: plan.buckets),
            ])

        let fallbackURL = try await sqs.createQueue(plan.fallbackQueueName)
        try await sqs.setQueueAttributes(fallbackURL, [SQSQueueAttribute.messageRetentionPeriod: "1209600"])

        for bucket in plan.buckets {
            try await s3.createBucket(bucket)
            try await notify(bucket, queueArn: queueArn)
        }

        var stream: String?
        if !plan.streamName.isEmpty {
            do {
                try await kinesis.createStream(plan.streamName, shardCount: plan.shardCount)
            } catch let error as AWSServiceError where error.code == "ResourceInUseException" {
                // Already there.
            }
            _ = try await kinesis.waitUntilActive(plan.streamName)
            stream = plan.streamName
        }
        logger.info(
            "setup done",
            metadata: [
                "queue": "\(queueURL)", "dlq": "\(deadLetterURL)", "fallback": "\(fallbackURL)",
                "stream": "\(stream ?? "-")", "buckets": "\(plan.buckets)",
            ])
        return Result(
            queueURL: queueURL, deadLetterQueueURL: deadLetterURL, fallbackQueueURL: fallbackURL, streamName: stream)
    }

    /// Adds EDAL's `s3:ObjectCreated:*` target to the bucket's notification configuration, keeping
    /// every other destination (other teams' queues, topics, functions, EventBridge); nothing is
    /// written when it is there already.
    private func notify(_ bucket: String, queueArn: String) async throws {
        let ours = S3NotificationConfiguration.QueueConfiguration(
            id: Self.notificationId, queueArn: queueArn, events: ["s3:ObjectCreated:*"])
        let existing = try await s3.bucketNotificationConfiguration(bucket)
        if existing.children.contains(where: { ours.isSame(as: $0) }) { return }
        var document = existing
        document.children.removeAll { $0.name == "QueueConfiguration" && $0.text(of: "Id") == Self.notificationId }
        document.children.append(ours.node)
        do {
            try await s3.putBucketNotificationConfiguration(bucket, document: document)
        } catch let error as AWSServiceError where error.code == "InvalidArgument" {
            throw SetupError(
                problem: "bucket \(bucket) refused EDAL's s3:ObjectCreated:* notification: \(error.message)",
                advice:
                    "S3 allows one destination per event type and key prefix; when the bucket already sends ObjectCreated events "
                    + "elsewhere, fan them out through SNS or EventBridge to EDAL's queue as well, and run `edal setup` without this bucket"
            )
        }
    }

    /// The `Id` of EDAL's entry in a bucket's notification configuration.
    static let notificationId = "edal-object-created"

    private func queueARN(_ url: String) async throws -> String {
        let attributes = try await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.queueArn])
        guard let arn = attributes[SQSQueueAttribute.queueArn] else {
            throw AWSResponseDecodingError(
                service: .sqs, operation: "GetQueueAttributes", reason: "no QueueArn for \(url)")
        }
        return arn
    }

    /// Lets S3 send the watched buckets' notifications to the queue (and nothing else).
    static func queuePolicy(queueARN: String, buckets: [String]) -> String {
        let policy: [String: Any] = [
            "Version": "2012-10-17",
            "Statement": [
                [
                    "Sid": "edal-s3-notifications",
                    "Effect": "Allow",
                    "Principal": ["Service": "s3.amazonaws.com"],
                    "Action": "sqs:SendMessage",
                    "Resource": queueARN,
                    "Condition": ["ArnLike": ["aws:SourceArn": buckets.map { "arn:aws:s3:::\($0)" }]],
                ] as [String: Any]
            ],
        ]
        return json(policy)
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
