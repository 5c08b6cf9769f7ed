import EDALAWS
import Foundation
import Logging
import Tracing

/// Handles one received batch: parse → process the objects → delete exactly the finished messages.
///
/// While the objects are in work, each message's visibility is extended at half the timeout (per
/// message, dropping any whose receipt handle is no longer valid). Malformed messages are not
/// deleted: with a redrive policy they are made visible again at once, so they reach the
/// dead-letter queue after `maxReceiveCount` receives.
///
/// Work that cannot finish because a dependency fails (the store, S3, every sink) or because
/// another worker holds the object is **held and tried again here**, with back-off, while the
/// heartbeat keeps its message hidden: returning it to the queue would count one more receive each
/// time, and five receives move a good message to the dead-letter queue during an outage. A held
/// message costs one receive per worker that held it (and one per 12 hours, SQS's limit on
/// extending visibility). Messages are deleted as soon as their own objects are done. On shutdown
/// the unfinished ones are made visible again at once for another replica.
struct MessageBatchHandler: Sendable {
    var sqs: any QueueService
    var pipeline: ObjectPipeline
    var statistics: WorkerStatistics
    var configuration: QueueWorkerConfiguration
    /// Whether the queue has a redrive policy (a dead-letter queue).
    var hasDeadLetterQueue: Bool
    /// Told of every failing and every successful attempt, so receiving pauses during an outage.
    var backoff: DependencyBackoff
    /// Set once receiving stops (shutdown, or a drain that is done): held work is given back to
    /// the queue instead of being tried again here.
    var giveHeldWorkBack: ShutdownSignal
    var logger: Logger
    /// The wait before trying held work again: doubling from `retryBase` up to `retryMaximum`.
    var retryBase: Duration = .seconds(1)
    var retryMaximum: Duration = .seconds(30)
    /// Buckets whose records were rejected, already logged (once per bucket and worker).
    var rejectedBuckets = LoggedOnce()

    private enum Plan {
        case acknowledge
        case malformed
        case objects(Range<Int>)
    }

    /// Processes `messages`; answers the objects' results, in order. When tracing, inside a span
    /// for the batch (`edal.batch`), with a span for each object (`PipelineTracing`).
    @discardableResult
    func handle(_ messages: [SQSMessage]) async -> [ObjectResult] {
        guard pipeline.tracing.enabled else { return await handle(messages, batch: nil) }
        return await withSpan("edal.batch", ofKind: .consumer) { span in
            span.attributes["messaging.system"] = "aws_sqs"
            span.attributes["messaging.destination.name"] = configuration.queueURL
            span.attributes["messaging.batch.message_count"] = messages.count
            return await handle(messages, batch: span)
        }
    }

    private func handle(_ messages: [SQSMessage], batch: (any Span)?) async -> [ObjectResult] {
        let started = ContinuousClock.now
        if let observer = statistics.observer {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            for message in messages where (message.receiveCount ?? 1) <= 1 {
                if let sent = message.sentTimestampMilliseconds {
                    observer.messageArrived(sentMilliseconds: sent, receivedMilliseconds: now)
                }
            }
        }
        defer { statistics.observer?.messagesHandled(messages.count, after: ContinuousClock.now - started) }
        var plans: [Plan] = []
        var candidates: [ObjectCandidate] = []
        var malformed = 0
        var malformedFirst = 0
        var tests = 0
        var ignored = 0
        var rejected = 0
        var ownerMismatches = 0
        for message in messages {
            let first = (message.receiveCount ?? 1) <= 1
            // Not deleted: made visible again at once, so the redrive policy moves it to the DLQ.
            func leaveForDeadLetterQueue() {
                malformed += 1
                if first { malformedFirst += 1 }
                plans.append(.malformed)
            }
            do {
                let notification = try NotificationParser.parse(message.body)
                if notification.isTestEvent {
                    tests += 1
                    plans.append(.acknowledge)
                    continue
                }
                ignored += notification.ignoredRecords
                if let (outside, rejection) = notification.objects.lazy.compactMap({ event in
                    RecordRejection.of(event, under: configuration).map { (event, $0) }
                }).first {
                    // Never HEADed, claimed or signalled: to the dead-letter queue, like a malformed body.
                    let why: (message: Logger.Message, detail: Logger.Metadata)
                    switch rejection {
                    case .bucketNotAllowed:
                        if first { rejected += notification.objects.count }
                        why = (
                            "a notification for a bucket outside EDAL_ALLOWED_BUCKETS; left for the dead-letter queue",
                            ["allowed": "\(configuration.allowedBuckets)"]
                        )
                    case .ownerMismatch:
                        if first { ownerMismatches += notification.objects.count }
                        why = (
                            "a notification naming a bucket owner other than EDAL_EXPECTED_BUCKET_OWNER's; left for the dead-letter queue",
                            [
                                "named_owner": "\(outside.bucketOwner ?? "-")",
                                "expected_owner":
                                    "\(configuration.expectedBucketOwners.owner(of: outside.bucket) ?? "-")",
                            ]
                        )
                    }
                    leaveForDeadLetterQueue()
                    if rejectedBuckets.insert(outside.bucket) {
                        logger.warning(
                            why.message,
                            metadata: why.detail.merging(
                                ["bucket": "\(outside.bucket)", "message_id": "\(message.messageId)"]) { $1 })
                    }
                    continue
                }
                let start = candidates.count
                let via: ObjectCandidate.Via =
                    message.messageAttributes?["edal-replay"] != nil ? .replay : .notification
                candidates += notification.objects.map { event in
                    ObjectCandidate(
                        event: event, via: via, trace: pipeline.tracing.objectTrace(event, via: via, batch: batch))
                }
                plans.append(start == candidates.count ? .acknowledge : .objects(start..<candidates.count))
            } catch {
                leaveForDeadLetterQueue()
                // Logged once, on the first receive; repeats are debug noise on the way to the DLQ.
                logger.log(
                    level: first ? .warning : .debug, "malformed message left for the dead-letter queue",
                    metadata: [
                        "message_id": "\(message.messageId)", "receive_count": "\(message.receiveCount ?? 1)",
                        "reason": "\(String(error.reason.prefix(200)))",
                    ])
            }
        }
        statistics.update {
            $0.messagesReceived += messages.count
            $0.malformedReceives += malformed
            $0.malformedMessages += malformedFirst
            $0.testEvents += tests
            $0.ignoredRecords += ignored
            $0.rejectedRecords += rejected
            $0.ownerMismatchRecords += ownerMismatches
        }

        // Acknowledged messages go at once; the rest once their objects are done.
        var deleted = [Bool](repeating: false, count: messages.count)
        var toResurface: [SQSMessage] = []
        var finishedNow: [SQSMessage] = []
        for (index, plan) in plans.enumerated() {
            switch plan {
            case .acknowledge:
                finishedNow.append(messages[index])
                deleted[index] = true
            case .malformed:
                toResurface.append(messages[index])
            case .objects:
                break
            }
        }
        let resurfaced = hasDeadLetterQueue ? toResurface : []
        // Process the objects while a heartbeat keeps their messages hidden.
        let inWork = messages.indices.filter { if case .objects = plans[$0] { return true } else { return false } }
        guard !inWork.isEmpty else {
            await delete(finishedNow)
            if !resurfaced.isEmpty { await changeVisibility(resurfaced, to: 0) }
            return []
        }
        let heartbeat = VisibilityHeartbeat(
            sqs: sqs, queueURL: configuration.queueURL,
            visibilityTimeout: configuration.visibilityTimeout,
            statistics: statistics, logger: logger, clock: configuration.clock)
        let work = candidates
        let held = inWork.map { messages[$0] }
        let settledPlans = plans
        let alreadyDeleted = deleted
        // The heartbeat starts before any other call: the acknowledgements and the objects' work go
        // on beside it, so a slow answer to either never delays an extension.
        let acknowledgements = finishedNow
        let results = await withSidecar(
            { await heartbeat.run(held) },
            while: {
                async let acknowledged: Void = acknowledge(acknowledgements, resurfacing: resurfaced)
                let results = await settle(work, messages: messages, plans: settledPlans, deleted: alreadyDeleted)
                await acknowledged
                return results
            })

        // What is still unfinished (shutdown, cancellation) goes back to the queue at once.
        var returned: [SQSMessage] = []
        for index in inWork {
            guard case .objects(let range) = plans[index] else { continue }
            if results.count != candidates.count || !range.allSatisfy({ results[$0].isDone }) {
                returned.append(messages[index])
            }
        }
        if !returned.isEmpty {
            statistics.update { $0.messagesReturned += returned.count }
            if !Task.isCancelled { await changeVisibility(returned, to: 0) }
        }
        // Objects whose messages went back unfinished end their spans here.
        for (index, candidate) in candidates.enumerated()
        where results.indices.contains(index) && !results[index].isDone {
            candidate.trace?.span.setStatus(SpanStatus(code: .error, message: results[index].label))
            candidate.trace?.span.end()
        }
        return results
    }

    /// Processes `candidates` until every one is done, trying work that failed again after a
    /// back-off; deletes each message as soon as its objects are done. Stops early only on
    /// shutdown or cancellation. Answers the last result of every candidate.
    private func settle(_ candidates: [ObjectCandidate], messages: [SQSMessage], plans: [Plan], deleted: [Bool]) async
        -> [ObjectResult]
    {
        var results = [ObjectResult](repeating: .retryLater(.store), count: candidates.count)
        var deleted = deleted
        var pending = Array(candidates.indices)
        var attempt = 0
        while true {
            let answers = await pipeline.process(pending.map { candidates[$0] })
            for (index, answer) in zip(pending, answers) { results[index] = answer }
            // A refusal is not tried again here: its message goes back to the queue, towards the DLQ.
            pending.removeAll { results[$0].isDone || results[$0] == .retryLater(.refused) }

            var finished: [SQSMessage] = []
            var finishedObjects: [Int] = []
            for (index, plan) in plans.enumerated() where !deleted[index] {
                if case .objects(let range) = plan, range.allSatisfy({ results[$0].isDone }) {
                    finished.append(messages[index])
                    finishedObjects += range
                    deleted[index] = true
                }
            }
            let deleteStarted = pipeline.tracing.now()
            await delete(finished)
            // Each finished object's span ends with its message's deletion.
            let traces = finishedObjects.map { candidates[$0].trace }
            pipeline.tracing.stage("delete", from: deleteStarted, for: traces)
            for (object, trace) in zip(finishedObjects, traces) {
                trace?.span.attributes["edal.outcome"] = results[object].label
                trace?.span.end()
            }

            let dependencyFailed = pending.contains { results[$0].isDependencyFailure }
            if dependencyFailed { backoff.recordFailure() } else if !answers.isEmpty { backoff.recordSuccess() }
            guard !pending.isEmpty, !Task.isCancelled, !giveHeldWorkBack.isRequested else { return results }
            attempt += 1
            if attempt == 1 || attempt % 10 == 0 {
                let reasons = Set(pending.map { results[$0].label }).sorted().joined(separator: ",")
                logger.notice(
                    "holding unfinished work and trying again; its messages stay hidden",
                    metadata: ["objects": "\(pending.count)", "reasons": "\(reasons)", "attempt": "\(attempt)"])
            }
            statistics.update { $0.heldRetries += 1 }
            let delay = RetryPolicy(maximumAttempts: .max, baseDelay: retryBase, maximumDelay: retryMaximum)
                .delayCeiling(retry: attempt)
            guard await giveHeldWorkBack.sleep(for: delay, clock: configuration.clock) else { return results }
        }
    }

    /// Deletes the messages that needed no work and makes the malformed ones visible again (so the
    /// redrive policy moves them on).
    private func acknowledge(_ finished: [SQSMessage], resurfacing malformed: [SQSMessage]) async {
        await delete(finished)
        if !malformed.isEmpty { await changeVisibility(malformed, to: 0) }
    }

    private func delete(_ messages: [SQSMessage]) async {
        for chunk in stride(from: 0, to: messages.count, by: 10).map({
            Array(messages[$0..<min($0 + 10, messages.count)])
        }) {
            let entries = chunk.enumerated().map {
                SQSDeleteEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle)
            }
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
                logger.warning(
                    "cannot delete finished messages; they will come back as duplicates",
                    metadata: ["error": .error(error)])
            }
        }
    }

    private func changeVisibility(_ messages: [SQSMessage], to seconds: Int) async {
        for chunk in stride(from: 0, to: messages.count, by: 10).map({
            Array(messages[$0..<min($0 + 10, messages.count)])
        }) {
            let entries = chunk.enumerated().map {
                SQSVisibilityEntry(
                    id: String($0.offset), receiptHandle: $0.element.receiptHandle, visibilityTimeout: seconds)
            }
            _ = try? await sqs.changeMessageVisibilityBatch(configuration.queueURL, entries: entries)
        }
    }
}
