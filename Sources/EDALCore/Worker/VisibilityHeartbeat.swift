import Logging

/// Keeps messages in work hidden: every half visibility timeout it extends each one still held,
/// and stops extending a message once SQS says its receipt handle is no longer valid.
struct VisibilityHeartbeat: Sendable {
    var sqs: any QueueService
    var queueURL: String
    var visibilityTimeout: Int
    var statistics: WorkerStatistics
    var logger: Logger
    var clock: any WorkerClock = SystemClock()

    /// Error codes meaning this receipt handle can no longer be extended.
    static let lostHandleCodes: Set<String> = [
        "ReceiptHandleIsInvalid", "AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight", "InvalidParameterValue",
    ]

    /// Runs until cancelled.
    func run(_ messages: [SQSMessage]) async {
        var held = messages
        let interval = Duration.milliseconds(visibilityTimeout * 500)
        while !held.isEmpty {
            do {
                try await clock.sleep(for: interval)
            } catch {
                return
            }
            var lost: Set<String> = []
            for start in stride(from: 0, to: held.count, by: 10) {
                let chunk = held[start..<min(start + 10, held.count)]
                let entries = chunk.map { SQSVisibilityEntry(id: $0.messageId, receiptHandle: $0.receiptHandle, visibilityTimeout: visibilityTimeout) }
                do {
                    let result = try await sqs.changeMessageVisibilityBatch(queueURL, entries: Array(entries))
                    statistics.update { $0.visibilityExtensions += result.successfulIds.count }
                    for failure in result.failed where Self.lostHandleCodes.contains(failure.code) {
                        lost.insert(failure.id)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.notice("cannot extend message visibility", metadata: ["error": "\(error)"])
                }
            }
            if !lost.isEmpty {
                held.removeAll { lost.contains($0.messageId) }
            }
        }
    }
}
