import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// The publisher's retry rounds are bounded in number and in time, and stop when the task is cancelled.
@Suite struct SignalPublisherTests {
    /// A stream that refuses every record (throttled) and a fallback queue that is down; counts calls.
    final class RefusingSinks: RecordStreamService, QueueService, Sendable {
        let calls = NIOLockedValueBox(0)

        func putRecords(stream: String, records: [KinesisRecordInput]) async throws -> KinesisPutRecordsResult {
            calls.withLockedValue { $0 += 1 }
            return KinesisPutRecordsResult(
                failedRecordCount: records.count,
                outcomes: records.map { _ in
                    .failed(code: "ProvisionedThroughputExceededException", message: "Rate exceeded")
                })
        }

        func sendMessageBatch(_ queueUrl: String, entries: [SQSSendEntry]) async throws -> SQSBatchResult {
            calls.withLockedValue { $0 += 1 }
            throw AWSServiceError(
                service: .sqs, operation: "SendMessageBatch", code: "ServiceUnavailable", message: "down",
                statusCode: 503)
        }

        func receiveMessages(_ queueUrl: String, maximumMessages: Int, waitTimeSeconds: Int, visibilityTimeout: Int?)
            async throws -> [SQSMessage]
        { [] }
        func deleteMessageBatch(_ queueUrl: String, entries: [SQSDeleteEntry]) async throws -> SQSBatchResult {
            SQSBatchResult(successfulIds: [], failed: [], messageIds: [:])
        }
        func changeMessageVisibilityBatch(_ queueUrl: String, entries: [SQSVisibilityEntry]) async throws
            -> SQSBatchResult
        { SQSBatchResult(successfulIds: [], failed: [], messageIds: [:]) }
        func getQueueAttributes(_ queueUrl: String, names: [String]) async throws -> [String: String] { [:] }
    }

    static func signal() -> Signal { SignalTests().sample() }

    static func publisher(_ sinks: RefusingSinks, rounds: Int, apart delay: Duration, budget: Duration = .seconds(30))
        -> SignalPublisher
    {
        var publisher = SignalPublisher(
            kinesis: sinks, sqs: sinks, streamName: "s", fallbackQueueURL: "q",
            retryPolicy: RetryPolicy(maximumAttempts: rounds, baseDelay: delay, maximumDelay: delay))
        publisher.budget = budget
        return publisher
    }

    @Test("a sink that refuses everything is tried for the stated rounds, then the signal is failed")
    func boundedRounds() async {
        let sinks = RefusingSinks()
        // A budget far beyond the rounds: what is counted here is rounds, and a machine busy with the
        // simulation once took 37 s over these three (the 30 s default budget then cut a round).
        let publisher = Self.publisher(sinks, rounds: 3, apart: .milliseconds(1), budget: .seconds(600))
        let deliveries = await publisher.publish([Self.signal()])
        #expect(deliveries.count == 1 && deliveries.allSatisfy { if case .failed = $0 { true } else { false } })
        #expect(sinks.calls.withLockedValue { $0 } == 6, "3 rounds at Kinesis, 3 at the fallback queue")
    }

    @Test("out of budget: no round starts after it")
    func budget() async {
        let sinks = RefusingSinks()
        let publisher = Self.publisher(sinks, rounds: 50, apart: .milliseconds(20), budget: .milliseconds(1))
        _ = await publisher.publish([Self.signal()])
        // The first round of each sink, and none after the (tiny) budget.
        #expect(sinks.calls.withLockedValue { $0 } == 2)
    }

    @Test("cancelled: the rounds stop instead of running back to back")
    func cancellation() async {
        let sinks = RefusingSinks()
        let publisher = Self.publisher(sinks, rounds: 50, apart: .seconds(1))
        let task = Task { await publisher.publish([Self.signal()]) }
        task.cancel()
        _ = await task.value
        // At most the first call to each sink: every wait between rounds ends the rounds at once.
        #expect(sinks.calls.withLockedValue { $0 } <= 2)
    }
}
