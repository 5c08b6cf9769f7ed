import ArgumentParser
import EDALAWS
import EDALWorker
import Foundation

/// `edal replay`: re-drives work — dead letters back to the queue, and/or notifications for existing objects — then drains.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract:
            "Move dead-letter messages back to the queue and/or enqueue notifications for existing objects (backfill), then drain."
    )

    @OptionGroup var options: WorkerOptions
    @Option(help: "Move every message of this dead-letter queue (name or URL) back to the notification queue.")
    var fromDlq: String?
    @Option(help: "Enqueue notifications for the objects of bucket[/prefix].") var backfill: String?
    @Option(help: "Backfill only objects modified at or after this time (ISO 8601, or an age like 2h, 30m, 7d).")
    var since: String?
    @Option(help: "Backfill only objects modified before this time (ISO 8601, or an age).") var until: String?
    @Flag(help: "Only enqueue; do not drain afterwards.") var noDrain = false
    @Option(help: "Seconds without progress before the drain gives up.") var idleTimeout: Int = 90
    @Option(help: "Write the drain summary as JSON to this file as well.") var summaryJson: String?

    func validate() throws {
        guard fromDlq != nil || backfill != nil else {
            throw ValidationError("give --from-dlq QUEUE, --backfill bucket[/prefix], or both")
        }
        if let since, Self.parseTime(since) == nil {
            throw ValidationError("--since \(since): write 2026-11-25T10:00:00Z or an age like 2h")
        }
        if let until, Self.parseTime(until) == nil {
            throw ValidationError("--until \(until): write 2026-11-25T10:00:00Z or an age like 2h")
        }
    }

    func run() async throws {
        let settings = try options.settings()
        try options.bootstrapLogging(settings)
        let aws = try options.awsConfiguration()
        let client = AWSClient(configuration: aws)
        let sqs = SQSClient(client: client)
        do {
            let queueURL = try await EDALRuntimeQueue.resolve(settings.queues.first ?? settings.queue, sqs: sqs)
            if let fromDlq {
                let deadLetterURL = try await EDALRuntimeQueue.resolve(fromDlq, sqs: sqs)
                let moved = try await DeadLetterRedrive(sqs: sqs).run(from: deadLetterURL, to: queueURL)
                print("moved \(moved) dead-letter message(s) back to the queue")
            }
            if let backfill {
                let location: WatchedLocation
                do {
                    location = try WatchedLocation(parsing: backfill)
                } catch {
                    throw ValidationError(error.description)
                }
                let count = try await Backfill(s3: S3Client(client: client), sqs: sqs).run(
                    location, since: since.flatMap(Self.parseTime), until: until.flatMap(Self.parseTime),
                    queueURL: queueURL)
                print("enqueued notifications for \(count) object(s) of \(location)")
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        guard !noDrain else { return }
        let result = try await DrainCommand.drain(settings: settings, aws: aws, idleTimeout: idleTimeout)
        DrainSummary(result: result).print()
        if let summaryJson {
            try DrainSummary(result: result).json().write(to: URL(fileURLWithPath: summaryJson))
        }
        if !result.isComplete { throw ExitCode(2) }
    }

    /// ISO 8601, or an age before now: `90s`, `30m`, `2h`, `7d`.
    static func parseTime(_ text: String) -> Date? {
        if let date = HTTPDate.parseISO8601(text) { return date }
        guard let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3600
        case "d": seconds = amount * 86_400
        default: return nil
        }
        return Date().addingTimeInterval(-seconds)
    }
}

/// Queue name-or-URL resolution for commands that do not start a whole runtime.
enum EDALRuntimeQueue {
    static func resolve(_ queue: String, sqs: SQSClient) async throws -> String {
        if queue.hasPrefix("http://") || queue.hasPrefix("https://") { return queue }
        do {
            return try await sqs.getQueueUrl(queue)
        } catch {
            throw ValidationError("queue \(queue) not found: \(error)")
        }
    }
}
