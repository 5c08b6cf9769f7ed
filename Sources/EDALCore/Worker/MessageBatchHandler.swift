import Foundation
import Logging

/// Handles one received batch: parse → process the objects → delete exactly the finished messages.
///
/// While the objects are in work, each message's visibility is extended at half the timeout (per
/// message, dropping any whose receipt handle is no longer valid). Malformed messages are not
/// deleted: with a redrive policy they are made visible again at once, so they reach the
/// dead-letter queue after `maxReceiveCount` receives.
struct MessageBatchHandler: Sendable {
    var sqs: SQSClient
    var pipeline: ObjectPipeline
    var statistics: WorkerStatistics
    var configuration: QueueWorkerConfiguration
    /// Whether the queue has a redrive policy (a dead-letter queue).
    var hasDeadLetterQueue: Bool
    var logger: Logger

    private enum Plan {
        case acknowledge
        case malformed
        case objects(Range<Int>)
    }

    /// Processes `messages`; answers the objects' results, in order.
    @discardableResult
    func handle(_ messages: [SQSMessage]) async -> [ObjectResult] {
        let started = ContinuousClock.now
        if let metrics = statistics.metrics {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for message in messages where (message.receiveCount ?? 1) <= 1 {
                if let sent = message.sentTimestampMilliseconds { metrics.recordLag(sentMilliseconds: sent, nowMilliseconds: now) }
            }
        }
        defer {
            if let metrics = statistics.metrics {
                let elapsed = (ContinuousClock.now - started).nanoseconds
                for _ in messages { metrics.processingTime.recordNanoseconds(elapsed) }
            }
        }
        var plans: [Plan] = []
        var candidates: [ObjectCandidate] = []
        var malformed = 0, malformedFirst = 0, tests = 0, ignored = 0
        for message in messages {
            do {
                let notification = try NotificationParser.parse(message.body)
                if notification.isTestEvent {
                    tests += 1
                    plans.append(.acknowledge)
                    continue
                }
                ignored += notification.ignoredRecords
                let start = candidates.count
                let via: ObjectCandidate.Via = message.messageAttributes?["edal-replay"] != nil ? .replay : .notification
                candidates += notification.objects.map { ObjectCandidate(event: $0, via: via) }
                plans.append(start == candidates.count ? .acknowledge : .objects(start..<candidates.count))
            } catch {
                malformed += 1
                let first = (message.receiveCount ?? 1) <= 1
                if first { malformedFirst += 1 }
                // Logged once, on the first receive; repeats are debug noise on the way to the DLQ.
                logger.log(level: first ? .warning : .debug, "malformed message left for the dead-letter queue", metadata: [
                    "message_id": "\(message.messageId)", "receive_count": "\(message.receiveCount ?? 1)",
                    "reason": "\(String(error.reason.prefix(200)))",
                ])
                plans.append(.malformed)
            }
        }
        statistics.update {
            $0.messagesReceived += messages.count
            $0.malformedReceives += malformed
            $0.malformedMessages += malformedFirst
            $0.testEvents += tests
            $0.ignoredRecords += ignored
        }

        // Process the objects while a heartbeat keeps their messages hidden.
        let inWork = messages.indices.filter { if case .objects = plans[$0] { return true } else { return false } }
        let results: [ObjectResult]
        if inWork.isEmpty {
            results = []
        } else {
            let heartbeat = VisibilityHeartbeat(sqs: sqs, queueURL: configuration.queueURL,
                                                visibilityTimeout: configuration.visibilityTimeout,
                                                statistics: statistics, logger: logger)
            let work = candidates
            let held = inWork.map { messages[$0] }
            results = await withTaskGroup(of: [ObjectResult]?.self) { group in
                group.addTask { await pipeline.process(work) }
                group.addTask {
                    await heartbeat.run(held)
                    return nil
                }
                var results: [ObjectResult] = []
                for await value in group {
                    if let value {
                        results = value
                        group.cancelAll()
                    }
                }
                return results
            }
        }

        // Finished messages: acknowledged ones, and those whose every object is done.
        var finished: [SQSMessage] = []
        var returned = 0
        var toResurface: [SQSMessage] = []
        for (message, plan) in zip(messages, plans) {
            switch plan {
            case .acknowledge:
                finished.append(message)
            case .malformed:
                toResurface.append(message)
            case .objects(let range):
                if results.count == candidates.count, range.allSatisfy({ results[$0].isDone }) {
                    finished.append(message)
                } else {
                    returned += 1
                }
            }
        }
        await delete(finished)
        if hasDeadLetterQueue, !toResurface.isEmpty {
            await changeVisibility(toResurface, to: 0)
        }
        statistics.update { $0.messagesReturned += returned }
        return results
    }

    private func delete(_ messages: [SQSMessage]) async {
        for chunk in stride(from: 0, to: messages.count, by: 10).map({ Array(messages[$0..<min($0 + 10, messages.count)]) }) {
            let entries = chunk.enumerated().map { SQSDeleteEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle) }
            do {
                let result = try await sqs.deleteMessageBatch(configuration.queueURL, entries: entries)
                statistics.update {
                    $0.messagesDeleted += result.successfulIds.count
                    $0.deleteErrors += result.failed.count
                }
                for failure in result.failed {
                    // The message comes back; its objects are then duplicates and it is deleted again.
                    logger.notice("a finished message could not be deleted", metadata: ["code": "\(failure.code)"])
                }
            } catch {
                statistics.update { $0.deleteErrors += chunk.count }
                logger.warning("cannot delete finished messages; they will come back as duplicates", metadata: ["error": "\(error)"])
            }
        }
    }

    private func changeVisibility(_ messages: [SQSMessage], to seconds: Int) async {
        for chunk in stride(from: 0, to: messages.count, by: 10).map({ Array(messages[$0..<min($0 + 10, messages.count)]) }) {
            let entries = chunk.enumerated().map {
                SQSVisibilityEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle, visibilityTimeout: seconds)
            }
            _ = try? await sqs.changeMessageVisibilityBatch(configuration.queueURL, entries: entries)
        }
    }
}
