import EDALAWS
import Logging

/// Keeps messages in work hidden: every half visibility timeout it extends each one still held,
/// and stops extending a message once SQS says its receipt handle is no longer valid. When SQS
/// cannot be reached, it tries again after 1 s, then 2 s, 4 s … (never later than the usual
/// interval), so an outage shorter than the half timeout left does not let held messages
/// reappear and count one more receive toward the dead-letter queue.
///
/// SQS that is slow rather than down is met the same way: each round's call is given up after a
/// quarter of the visibility timeout (SQS applies an extension when it reads the request, whenever
/// its answer comes), and the next round starts on time whether or not the last one has answered,
/// so a slow answer never lets the messages reappear. At most `maximumRoundsInFlight` rounds are
/// in flight at once. The heartbeat runs beside the batch's work, so its calls never wait behind the
/// batch's deletes.
struct VisibilityHeartbeat: Sendable {
    var sqs: any QueueService
    var queueURL: String
    var visibilityTimeout: Int
    var statistics: WorkerStatistics
    var logger: Logger
    var clock: any WorkerClock = SystemClock()

    /// Rounds whose answers are awaited at once, at most.
    static let maximumRoundsInFlight = 3

    /// Error codes meaning this receipt handle can no longer be extended.
    static let lostHandleCodes: Set<String> = [
        "ReceiptHandleIsInvalid", "AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight",
        "InvalidParameterValue",
    ]

    /// What one round found: the messages whose handles are gone, and whether SQS failed to answer.
    private struct Round: Sendable {
        var lost: Set<String>
        var unreachable: Bool
    }

    private enum Event: Sendable {
        /// Time for the next round; ticks of an older schedule are ignored.
        case tick(generation: Int)
        case answered(Round)
    }

    /// Runs until cancelled or until no message is held any more.
    func run(_ messages: [SQSMessage]) async {
        guard !messages.isEmpty else { return }
        let interval = Duration.milliseconds(visibilityTimeout * 500)
        let callLimit = Duration.milliseconds(visibilityTimeout * 250)
        await withTaskGroup(of: Event?.self) { group in
            var held = messages
            var failures = 0
            var generation = 0
            var inFlight = 0
            func schedule(after delay: Duration) {
                generation += 1
                let current = generation
                group.addTask { [clock] in
                    do {
                        try await clock.sleep(for: delay)
                        return .tick(generation: current)
                    } catch {
                        return nil
                    }
                }
            }
            schedule(after: interval)
            while let next = await group.next() {
                guard let event = next, !Task.isCancelled else { break }
                switch event {
                case .tick(let tick):
                    guard tick == generation else { continue }
                    schedule(after: interval)
                    guard inFlight < Self.maximumRoundsInFlight else { continue }
                    inFlight += 1
                    let batch = held
                    group.addTask { .answered(await extend(batch, within: callLimit)) }
                case .answered(let round):
                    inFlight -= 1
                    held.removeAll { round.lost.contains($0.messageId) }
                    if held.isEmpty { break }
                    failures = round.unreachable ? failures + 1 : 0
                    if round.unreachable {
                        // Unreachable or too slow: again after 1 s, 2 s, 4 s … up to the usual interval.
                        schedule(
                            after: RetryPolicy(maximumAttempts: .max, baseDelay: .seconds(1), maximumDelay: interval)
                                .delayCeiling(retry: failures))
                    }
                }
                if held.isEmpty { break }
            }
            group.cancelAll()
        }
    }

    /// One round: every held message extended, each call given up after `limit`.
    private func extend(_ held: [SQSMessage], within limit: Duration) async -> Round {
        var round = Round(lost: [], unreachable: false)
        for start in stride(from: 0, to: held.count, by: 10) {
            let entries = held[start..<min(start + 10, held.count)].map {
                SQSVisibilityEntry(
                    id: $0.messageId, receiptHandle: $0.receiptHandle, visibilityTimeout: visibilityTimeout)
            }
            do {
                guard let result = try await changeVisibility(entries, within: limit) else {
                    round.unreachable = true
                    logger.notice(
                        "SQS did not answer a visibility extension in time; the next one starts on schedule",
                        metadata: ["limit_s": "\(limit.components.seconds)"])
                    continue
                }
                statistics.update { $0.visibilityExtensions += result.successfulIds.count }
                for failure in result.failed where Self.lostHandleCodes.contains(failure.code) {
                    round.lost.insert(failure.id)
                }
            } catch is CancellationError {
                return round
            } catch {
                round.unreachable = true
                logger.notice("cannot extend message visibility; trying again soon", metadata: ["error": .error(error)])
            }
        }
        return round
    }

    /// The call's answer, or `nil` when none came within `limit` (the call is then cancelled).
    private func changeVisibility(_ entries: [SQSVisibilityEntry], within limit: Duration) async throws
        -> SQSBatchResult?
    {
        try await withThrowingTaskGroup(of: SQSBatchResult?.self) { race in
            race.addTask { [sqs, queueURL] in try await sqs.changeMessageVisibilityBatch(queueURL, entries: entries) }
            race.addTask { [clock] in
                try await clock.sleep(for: limit)
                return nil
            }
            defer { race.cancelAll() }
            return try await race.next() ?? nil
        }
    }
}
