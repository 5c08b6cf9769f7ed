import EDALAWS
import Logging

/// Keeps messages in work hidden: every half visibility timeout it extends each one still held,
/// and stops extending a message once SQS says its receipt handle is no longer valid. When SQS
/// cannot be reached, it tries again after 1 s, then 2 s, 4 s … (never later than the usual
/// interval), so an outage shorter than the half timeout left does not let held messages
/// reappear and count one more receive toward the dead-letter queue.
struct VisibilityHeartbeat: Sendable {
    var sqs: any QueueService
    var queueURL: String
    var visibilityTimeout: Int
    var statistics: WorkerStatistics
    var logger: Logger
    var clock: any WorkerClock = SystemClock()

    /// Error codes meaning this receipt handle can no longer be extended.
    static let lostHandleCodes: Set<String> = [
        "ReceiptHandleIsInvalid", "AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight",
        "InvalidParameterValue",
    ]

    /// Runs until cancelled.
    func run(_ messages: [SQSMessage]) async {
        var held = messages
        let interval = Duration.milliseconds(visibilityTimeout * 500)
        var wait = interval
        var failures = 0
        while !held.isEmpty {
            do {
                try await clock.sleep(for: wait)
            } catch {
                return
            }
            var lost: Set<String> = []
            var unreachable = false
            for start in stride(from: 0, to: held.count, by: 10) {
                let chunk = held[start..<min(start + 10, held.count)]
                let entries = chunk.map {
                    SQSVisibilityEntry(
                        id: $0.messageId, receiptHandle: $0.receiptHandle, visibilityTimeout: visibilityTimeout)
                }
                do {
                    let result = try await sqs.changeMessageVisibilityBatch(queueURL, entries: Array(entries))
                    statistics.update { $0.visibilityExtensions += result.successfulIds.count }
                    for failure in result.failed where Self.lostHandleCodes.contains(failure.code) {
                        lost.insert(failure.id)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    unreachable = true
                    logger.notice(
                        "cannot extend message visibility; trying again soon", metadata: ["error": "\(error)"])
                }
            }
            failures = unreachable ? failures + 1 : 0
            // Unreachable: again after 1 s, 2 s, 4 s … up to the usual interval.
            wait =
                unreachable
                ? RetryPolicy(maximumAttempts: .max, baseDelay: .seconds(1), maximumDelay: interval).delayCeiling(
                    retry: failures)
                : interval
            if !lost.isEmpty {
                held.removeAll { lost.contains($0.messageId) }
            }
        }
    }
}
