import EDALAWS
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The event-driven worker: receive loops long-poll the notification queue and hand each batch to
/// its own task, so deletes, heartbeats and sink retries never hold up receiving. Receiving pauses
/// only when `maximumMessagesInWork` messages are in work (back-pressure) or a dependency is failing
/// (backoff); the next long poll starts as soon as the previous one returns, empty or not.
public struct QueueWorker: Sendable {
    public var sqs: any QueueService
    public var pipeline: ObjectPipeline
    public var configuration: QueueWorkerConfiguration
    public var logger: Logger

    public init(
        sqs: any QueueService, pipeline: ObjectPipeline, configuration: QueueWorkerConfiguration,
        logger: Logger = Logger(label: "edal.worker")
    ) {
        self.sqs = sqs
        self.pipeline = pipeline
        self.configuration = configuration
        self.logger = logger
    }

    private struct Progress {
        var consecutiveEmpty = 0
        var lastProgress = Duration.zero
        var checking = false
        var finished: DrainResult.Ending?
        var messagesLeft: Int?
        /// Messages received and not yet handled (permits also count receives in flight).
        var inWork = 0
        var deletedSeen = 0
    }

    /// Runs until `shutdown` is requested or, in drain mode, until the queue is empty.
    ///
    /// After shutdown, no new message is received; work in progress has `shutdownDeadline` to
    /// finish, then it is cancelled: its claims expire, its messages are not deleted and come back.
    public func run(shutdown: ShutdownSignal) async -> DrainResult {
        let clock = configuration.clock
        let started = clock.elapsed
        let statistics = pipeline.statistics
        let hasDeadLetterQueue = await checkQueue()
        logger.debug("queue checked", metadata: ["dead_letter_queue": "\(hasDeadLetterQueue)"])
        let permits = AsyncPermits(configuration.maximumMessagesInWork)
        let backoff = DependencyBackoff(clock: clock)
        // Held work (failing on a dependency) is given back once receiving stops: on shutdown, or
        // when a drain is over.
        let giveHeldWorkBack = ShutdownSignal()
        let handler = MessageBatchHandler(
            sqs: sqs, pipeline: pipeline, statistics: statistics, configuration: configuration,
            hasDeadLetterQueue: hasDeadLetterQueue, backoff: backoff, giveHeldWorkBack: giveHeldWorkBack, logger: logger
        )
        let progress = NIOLockedValueBox(Progress(lastProgress: started))
        let (batches, continuation) = AsyncStream<[SQSMessage]>.makeStream()

        // Discarding: a finished batch's task is freed at once (a plain task group keeps every child
        // until it is awaited, which grew memory by ~2 KB per message on a 100,000-message drain).
        await withDiscardingTaskGroup { work in
            // The receive loops, in their own group so shutdown can cancel them (and their long polls) alone.
            work.addTask {
                // Each loop ends on shutdown (its long poll is abandoned) or, draining, once the queue is
                // empty (its last long poll is finished and whatever it brought is processed, so no
                // message is left captured by a poll nobody reads).
                await withTaskGroup(of: Bool.self) { pollers in
                    for _ in 0..<configuration.pollers {
                        pollers.addTask {
                            await receiveLoop(
                                permits: permits, backoff: backoff, progress: progress, shutdown: shutdown,
                                statistics: statistics, deliver: { continuation.yield($0) })
                            return true
                        }
                    }
                    if configuration.drain != nil {
                        pollers.addTask {
                            await drainWatchdog(
                                progress: progress, statistics: statistics, shutdown: shutdown,
                                giveHeldWorkBack: giveHeldWorkBack)
                            return false
                        }
                    }
                    // Shutdown gives held work back at once (work in progress keeps its deadline).
                    pollers.addTask {
                        await shutdown.wait()
                        giveHeldWorkBack.request()
                        return false
                    }
                    // Once every receive loop is over, nothing else can end the helpers above.
                    var loops = configuration.pollers
                    for await isReceiveLoop in pollers where isReceiveLoop {
                        loops -= 1
                        if loops == 0 { break }
                    }
                    giveHeldWorkBack.request()
                    pollers.cancelAll()
                }
                continuation.finish()
            }
            for await batch in batches {
                work.addTask {
                    await handler.handle(batch)
                    permits.release(batch.count)
                    let deleted = statistics.snapshot.messagesDeleted
                    let inWork = progress.withLockedValue { state -> Int in
                        state.inWork -= batch.count
                        return state.inWork
                    }
                    statistics.observer?.inWork(messages: inWork, objects: nil)
                    progress.withLockedValue {
                        // Progress is work finished; messages failing round and round are not.
                        if deleted > $0.deletedSeen {
                            $0.deletedSeen = deleted
                            $0.lastProgress = clock.elapsed
                        }
                    }
                }
            }
            // No more batches will arrive; after a shutdown, in-flight work gets its deadline.
            if shutdown.isRequested {
                let deadline = clock.elapsed + configuration.shutdownDeadline
                while progress.withLockedValue({ $0.inWork > 0 }), clock.elapsed < deadline {
                    try? await clock.sleep(for: .milliseconds(50))
                }
                if progress.withLockedValue({ $0.inWork > 0 }) {
                    logger.warning("shutdown deadline passed; abandoning unfinished work (its messages will come back)")
                    work.cancelAll()
                }
            }
        }

        let state = progress.withLockedValue { $0 }
        let ending: DrainResult.Ending =
            shutdown.isRequested && state.finished == nil ? .shutdown : (state.finished ?? .shutdown)
        let lastDelete = state.deletedSeen > 0 ? state.lastProgress : started
        return DrainResult(
            ending: ending, counts: statistics.snapshot, seconds: (clock.elapsed - started).seconds,
            workSeconds: (lastDelete - started).seconds, messagesLeft: state.messagesLeft)
    }

    private func receiveLoop(
        permits: AsyncPermits, backoff: DependencyBackoff, progress: NIOLockedValueBox<Progress>,
        shutdown: ShutdownSignal,
        statistics: WorkerStatistics, deliver: @Sendable ([SQSMessage]) -> Void
    ) async {
        let wait = configuration.drain?.waitTimeSeconds ?? configuration.waitTimeSeconds
        var receiveFailures = 0
        while !shutdown.isRequested, !Task.isCancelled {
            if progress.withLockedValue({ $0.finished != nil }) { return }
            if let pause = backoff.remainingPause {
                try? await configuration.clock.sleep(for: pause)
                continue
            }
            do {
                try await permits.acquire(10)
            } catch {
                return
            }
            // Permits free up when held work is given back at the end of a drain.
            if progress.withLockedValue({ $0.finished != nil }) {
                permits.release(10)
                return
            }
            let messages: [SQSMessage]
            do {
                guard let received = try await receive(waitTimeSeconds: wait, unless: shutdown) else {
                    permits.release(10)
                    return
                }
                messages = received
                receiveFailures = 0
            } catch {
                permits.release(10)
                if error is CancellationError || Task.isCancelled { return }
                receiveFailures += 1
                statistics.update { $0.receiveErrors += 1 }
                let delay = RetryPolicy(maximumAttempts: 100, baseDelay: .milliseconds(500), maximumDelay: .seconds(20))
                    .delay(retry: receiveFailures, clock: configuration.clock)
                logger.warning(
                    "cannot receive from the queue; retrying",
                    metadata: ["error": .error(error), "retry_in_ms": "\(Int(delay.seconds * 1000))"])
                try? await configuration.clock.sleep(for: delay)
                continue
            }
            permits.release(10 - messages.count)
            if messages.isEmpty {
                statistics.update { $0.emptyReceives += 1 }
                if configuration.drain != nil, await drainIsOver(progress: progress) { return }
                continue
            }
            let inWork = progress.withLockedValue { state -> Int in
                state.consecutiveEmpty = 0
                state.inWork += messages.count
                return state.inWork
            }
            statistics.observer?.inWork(messages: inWork, objects: nil)
            deliver(messages)
        }
    }

    /// Ends a drain whose work is held (a dependency down) once nothing was deleted for the idle
    /// timeout: the receive loops cannot see it while every permit is held.
    private func drainWatchdog(
        progress: NIOLockedValueBox<Progress>, statistics: WorkerStatistics, shutdown: ShutdownSignal,
        giveHeldWorkBack: ShutdownSignal
    ) async {
        guard let drain = configuration.drain else { return }
        while await shutdown.sleep(for: .seconds(1), clock: configuration.clock) {
            let deleted = statistics.snapshot.messagesDeleted
            /// What this tick found: the drain over already (nothing to say), stuck, or going.
            enum Tick { case over, stuck, going }
            let tick = progress.withLockedValue { state -> Tick in
                if state.finished != nil { return .over }
                if deleted > state.deletedSeen {
                    state.deletedSeen = deleted
                    state.lastProgress = configuration.clock.elapsed
                }
                guard state.inWork > 0, configuration.clock.elapsed - state.lastProgress > drain.idleTimeout else {
                    return .going
                }
                state.finished = .idle
                return .stuck
            }
            switch tick {
            case .going:
                continue
            case .over:
                return
            case .stuck:
                logger.warning(
                    "drain: nothing finished for the idle timeout while work is held; giving it back to the queue")
                giveHeldWorkBack.request()
                return
            }
        }
    }

    /// One long poll, abandoned (`nil`) if shutdown is requested first.
    private func receive(waitTimeSeconds: Int, unless shutdown: ShutdownSignal) async throws -> [SQSMessage]? {
        try await withThrowingTaskGroup(of: [SQSMessage]?.self) { group in
            group.addTask {
                try await sqs.receiveMessages(
                    configuration.queueURL, maximumMessages: 10, waitTimeSeconds: waitTimeSeconds,
                    visibilityTimeout: configuration.visibilityTimeout)
            }
            group.addTask {
                await shutdown.wait()
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// After enough empty receives with nothing in work: is the queue empty, or has nothing moved for too long?
    private func drainIsOver(progress: NIOLockedValueBox<Progress>) async -> Bool {
        guard let drain = configuration.drain else { return false }
        let shouldCheck = progress.withLockedValue { state -> Bool in
            state.consecutiveEmpty += 1
            guard state.finished == nil, !state.checking, state.consecutiveEmpty >= drain.emptyReceives,
                state.inWork == 0
            else { return false }
            state.checking = true
            return true
        }
        guard shouldCheck else { return progress.withLockedValue { $0.finished != nil } }
        logger.debug("queue looks empty; checking its attributes")
        let left = await messagesLeft()
        logger.debug("queue attributes read", metadata: ["messages_left": "\(left.map(String.init) ?? "unknown")"])
        return progress.withLockedValue { state -> Bool in
            state.checking = false
            state.messagesLeft = left
            if left == 0 {
                state.finished = .empty
            } else if configuration.clock.elapsed - state.lastProgress > drain.idleTimeout {
                state.finished = .idle
            } else {
                state.consecutiveEmpty = 0
            }
            return state.finished != nil
        }
    }

    /// Visible + in flight + delayed messages, from the queue's attributes (`nil` if they cannot be read).
    private func messagesLeft() async -> Int? {
        do {
            let attributes = try await sqs.getQueueAttributes(
                configuration.queueURL,
                names: [
                    SQSQueueAttribute.approximateNumberOfMessages,
                    SQSQueueAttribute.approximateNumberOfMessagesNotVisible,
                    SQSQueueAttribute.approximateNumberOfMessagesDelayed,
                ])
            return [
                SQSQueueAttribute.approximateNumberOfMessages, SQSQueueAttribute.approximateNumberOfMessagesNotVisible,
                SQSQueueAttribute.approximateNumberOfMessagesDelayed,
            ].reduce(0) { $0 + (attributes[$1].flatMap { Int($0) } ?? 0) }
        } catch {
            logger.notice("cannot read the queue's attributes", metadata: ["error": .error(error)])
            return nil
        }
    }

    /// Reads the queue's redrive policy; warns when there is none (malformed messages would then come back forever).
    private func checkQueue() async -> Bool {
        do {
            let attributes = try await sqs.getQueueAttributes(
                configuration.queueURL, names: [SQSQueueAttribute.redrivePolicy])
            if attributes[SQSQueueAttribute.redrivePolicy] == nil {
                logger.warning(
                    "the queue has no redrive policy: malformed messages cannot reach a dead-letter queue; run `edal setup` or add one",
                    metadata: ["queue": "\(configuration.queueURL)"])
                return false
            }
            return true
        } catch {
            logger.warning(
                "cannot read the queue's attributes; is the queue URL right?",
                metadata: ["queue": "\(configuration.queueURL)", "error": .error(error)])
            return false
        }
    }
}
