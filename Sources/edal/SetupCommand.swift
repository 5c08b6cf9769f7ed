import ArgumentParser
import EDALAWS
import EDALTools
import EDALWorker

/// `edal setup`: creates (idempotently) the queues, stream, buckets and notifications EDAL needs.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract:
            "Create the notification queue (with DLQ, redrive and S3 policy), bucket notifications, the Kinesis stream and the fallback queue. Safe to run again."
    )

    @Option(name: .customLong("bucket"), help: "A bucket to create and notify from (repeatable).") var buckets:
        [String] = ["edal-telemetry"]
    @Option(help: "Notification queue name.") var queue: String = "edal-notifications"
    @Option(help: "Dead-letter queue name.") var deadLetterQueue: String = "edal-notifications-dlq"
    @Option(help: "Fallback signals queue name.") var fallbackQueue: String = "edal-signals-fallback"
    @Option(help: "Kinesis stream name; \"\" for none.") var stream: String = "edal-signals"
    @Option(help: "Kinesis shards.") var shards: Int = 2
    @Option(help: "Visibility timeout of the notification queue, seconds.") var visibilityTimeout: Int = 30
    @Option(help: "Receives before a message moves to the dead-letter queue.") var maxReceiveCount: Int = 5

    func validate() throws {
        guard !buckets.isEmpty else { throw ValidationError("give at least one --bucket") }
        guard (1...1000).contains(maxReceiveCount) else { throw ValidationError("--max-receive-count must be 1…1000") }
        guard (0...43_200).contains(visibilityTimeout) else {
            throw ValidationError("--visibility-timeout must be 0…43200")
        }
    }

    func run() async throws {
        let aws = try resolvedAWSConfiguration()
        let client = AWSClient(configuration: aws)
        var plan = InfrastructureSetup.Plan(buckets: buckets)
        plan.queueName = queue
        plan.deadLetterQueueName = deadLetterQueue
        plan.fallbackQueueName = fallbackQueue
        plan.streamName = stream
        plan.shardCount = shards
        plan.visibilityTimeout = visibilityTimeout
        plan.maxReceiveCount = maxReceiveCount
        do {
            let result = try await InfrastructureSetup(
                s3: S3Client(client: client), sqs: SQSClient(client: client),
                kinesis: KinesisClient(client: client)
            ).run(plan)
            print("notification queue:  \(result.queueURL)")
            print("dead-letter queue:   \(result.deadLetterQueueURL)")
            print("fallback queue:      \(result.fallbackQueueURL)")
            print("kinesis stream:      \(result.streamName ?? "(none)")")
            print("buckets notifying:   \(buckets.joined(separator: ", "))")
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
