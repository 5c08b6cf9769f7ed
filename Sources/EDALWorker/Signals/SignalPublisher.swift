import EDALAWS
import Foundation
import Logging

/// Publishes signals to Kinesis with `PutRecords` (batches of at most 500 records and 5 MiB), retries
/// the records Kinesis refuses with backoff, and sends what still fails to the fallback SQS queue
/// (`SendMessageBatch`). Only a signal neither sink took is reported as failed.
public struct SignalPublisher: Sendable {
    public var kinesis: any RecordStreamService
    public var sqs: any QueueService
    /// The Kinesis stream; `nil` sends every signal straight to the fallback queue.
    public var streamName: String?
    /// The fallback queue URL; `nil` means none: signals Kinesis refuses are failed.
    public var fallbackQueueURL: String?
    /// Rounds of retrying refused records (on top of the HTTP client's own retries of a failed call:
    /// up to `AWS_MAX_ATTEMPTS` attempts, 3 by default, of at most `EDAL_AWS_REQUEST_TIMEOUT` each).
    public var retryPolicy: RetryPolicy
    /// No round starts once this much time has passed since the sink's first: with the HTTP
    /// client's own retries, a sink gives up on a signal after at most this plus one call's attempts.
    public var budget: Duration = .seconds(30)
    public var logger: Logger
    /// Time for the retry rounds' back-off (virtual in the simulation).
    public var clock: any WorkerClock = SystemClock()

    public init(
        kinesis: any RecordStreamService, sqs: any QueueService, streamName: String?, fallbackQueueURL: String?,
        retryPolicy: RetryPolicy = RetryPolicy(
            maximumAttempts: 4, baseDelay: .milliseconds(100), maximumDelay: .seconds(2)),
        logger: Logger = Logger(label: "edal.signals")
    ) {
        self.kinesis = kinesis
        self.sqs = sqs
        self.streamName = streamName
        self.fallbackQueueURL = fallbackQueueURL
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// Errors that no retry can cure: the sink is missing or refuses us.
    static let permanentCodes: Set<String> = [
        "ResourceNotFoundException", "AccessDeniedException", "AccessDenied", "KMSAccessDeniedException",
        "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "InvalidClientTokenId",
        "UnrecognizedClientException",
    ]

    /// Publishes `signals`; answers, per signal and in order, where it went.
    public func publish(_ signals: [Signal]) async -> [SignalDelivery] {
        guard !signals.isEmpty else { return [] }
        var deliveries = [SignalDelivery?](repeating: nil, count: signals.count)
        var payloads: [Data] = []
        payloads.reserveCapacity(signals.count)
        for (index, signal) in signals.enumerated() {
            do {
                payloads.append(try signal.encoded())
            } catch {
                payloads.append(Data())
                deliveries[index] = .failed(reason: "cannot encode the signal: \(error)")
            }
        }
        var pending = signals.indices.filter { deliveries[$0] == nil }
        var lastError = "no sink configured"

        if let streamName {
            let round = await inRounds(
                pending, batches: { Self.kinesisBatches($0, payloads: payloads, signals: signals) }
            ) { batch in
                let records = batch.map {
                    KinesisRecordInput(data: payloads[$0], partitionKey: signals[$0].partitionKey)
                }
                let result = try await kinesis.putRecords(stream: streamName, records: records)
                var refused: [Int] = []
                var error: String?
                for (position, outcome) in result.outcomes.enumerated() where !outcome.isStored {
                    refused.append(batch[position])
                    if case .failed(let code, let message) = outcome { error = "Kinesis: \(code) \(message)" }
                }
                return (refused, error)
            }
            for index in round.taken { deliveries[index] = .kinesis }
            pending = round.pending
            if let error = round.lastError { lastError = error }
            if !pending.isEmpty {
                logger.warning(
                    "Kinesis did not take \(pending.count) signal(s); trying the fallback queue",
                    metadata: ["stream": "\(streamName)", "error": "\(lastError)"])
            }
        }

        if let fallbackQueueURL, !pending.isEmpty {
            let round = await inRounds(pending, batches: { Self.queueBatches($0, payloads: payloads) }) { batch in
                let entries = batch.map { index in
                    SQSSendEntry(
                        id: String(index), messageBody: String(decoding: payloads[index], as: UTF8.self),
                        messageAttributes: [
                            "signal_id": SQSMessageAttribute(stringValue: signals[index].signalId),
                            "schema": SQSMessageAttribute(stringValue: Signal.schemaVersion),
                        ])
                }
                let result = try await sqs.sendMessageBatch(fallbackQueueURL, entries: entries)
                let failed = Set(result.failed.map(\.id))
                return (
                    batch.filter { failed.contains(String($0)) },
                    result.failed.first.map { "SQS fallback: \($0.code) \($0.message ?? "")" }
                )
            }
            for index in round.taken { deliveries[index] = .fallback }
            pending = round.pending
            if let error = round.lastError { lastError = error }
        }

        if !pending.isEmpty {
            logger.error(
                "no sink took \(pending.count) signal(s); their messages stay in the queue",
                metadata: ["error": "\(lastError)"])
        }
        for index in pending { deliveries[index] = .failed(reason: lastError) }
        return deliveries.map { $0 ?? .failed(reason: lastError) }
    }

    /// Sends `pending` to one sink, batch by batch, in rounds with backoff (`retryPolicy`) until every
    /// signal is taken, a call fails with a permanent error (the sink is missing or refuses us), the
    /// rounds or the `budget` run out, or the task is cancelled. `send` answers the indices the sink refused and why.
    private func inRounds(
        _ pending: [Int], batches: ([Int]) -> [[Int]],
        send: ([Int]) async throws -> (refused: [Int], error: String?)
    ) async -> (taken: [Int], pending: [Int], lastError: String?) {
        var pending = pending
        var taken: [Int] = []
        var lastError: String?
        var attempt = 0
        let started = clock.elapsed
        while !pending.isEmpty, attempt < retryPolicy.maximumAttempts {
            if attempt > 0 {
                // Cancelled (shutdown past its deadline), or out of time: no more rounds, not rounds back to back.
                guard (try? await clock.sleep(for: retryPolicy.delay(retry: attempt, clock: clock))) != nil,
                    clock.elapsed - started < budget
                else { break }
            }
            attempt += 1
            var stillPending: [Int] = []
            var permanent = false
            for batch in batches(pending) {
                do {
                    let (refused, error) = try await send(batch)
                    let refusedSet = Set(refused)
                    taken += batch.filter { !refusedSet.contains($0) }
                    stillPending += refused
                    if let error { lastError = error }
                } catch {
                    stillPending += batch
                    lastError = "\(error)"
                    if let error = error as? AWSServiceError, Self.permanentCodes.contains(error.code) {
                        permanent = true
                    }
                }
            }
            pending = stillPending
            if permanent { break }
        }
        return (taken, pending, lastError)
    }

    /// Splits `indices` into PutRecords calls of at most 500 records and 5 MiB (data plus partition keys).
    static func kinesisBatches(_ indices: [Int], payloads: [Data], signals: [Signal]) -> [[Int]] {
        var batches: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for index in indices {
            let size = payloads[index].count + signals[index].partitionKey.utf8.count
            if !current.isEmpty,
                current.count == KinesisClient.maximumRecordsPerPut || bytes + size > KinesisClient.maximumBytesPerPut
            {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Splits `indices` into SendMessageBatch calls of at most 10 messages and 256 KiB.
    static func queueBatches(_ indices: [Int], payloads: [Data]) -> [[Int]] {
        let maximumBytes = 256 * 1024 - 4 * 1024  // room for attributes
        var batches: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for index in indices {
            let size = payloads[index].count
            if !current.isEmpty, current.count == 10 || bytes + size > maximumBytes {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(index)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
