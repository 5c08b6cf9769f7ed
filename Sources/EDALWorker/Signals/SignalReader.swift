import EDALAWS
import Foundation

/// Reads back what EDAL published — every signal in a Kinesis stream (all shards, from the oldest
/// record) and in the fallback queue (without consuming it) — for the demo's report, operators and tests.
public struct SignalReader: Sendable {
    public var kinesis: KinesisClient
    public var sqs: SQSClient

    public init(kinesis: KinesisClient, sqs: SQSClient) {
        self.kinesis = kinesis
        self.sqs = sqs
    }

    /// Every signal in `stream`, shard by shard, in order.
    public func streamSignals(_ stream: String) async throws -> [Signal] {
        var signals: [Signal] = []
        for shard in try await kinesis.listShards(stream) {
            var iterator: String? = try await kinesis.getShardIterator(
                stream: stream, shardId: shard.shardId, start: .trimHorizon)
            while let current = iterator {
                let page = try await kinesis.getRecords(shardIterator: current)
                for record in page.records {
                    signals.append(try Signal.decode(record.data))
                }
                // Caught up: an empty page at the tip of the shard.
                if page.records.isEmpty, (page.millisBehindLatest ?? 0) == 0 { break }
                iterator = page.nextShardIterator
            }
        }
        return signals
    }

    /// Every signal in the fallback queue. With `consume`, messages are deleted once read (a consumer
    /// taking them over); without, they are received with a zero visibility timeout and stay, and the
    /// read stops after three receives that bring nothing new (a sample when the queue is large).
    public func queueSignals(_ queueURL: String, consume: Bool = false) async throws -> [Signal] {
        var byMessage: [String: Signal] = [:]
        var emptyReceives = 0
        while emptyReceives < 3 {
            let messages = try await sqs.receiveMessage(
                queueURL, maximumMessages: 10, waitTimeSeconds: consume ? 1 : 0,
                visibilityTimeout: consume ? 30 : 0)
            let fresh = messages.filter { byMessage[$0.messageId] == nil }
            if fresh.isEmpty {
                emptyReceives += 1
                continue
            }
            emptyReceives = 0
            for message in fresh {
                byMessage[message.messageId] = try Signal.decode(Data(message.body.utf8))
            }
            if consume {
                _ = try await sqs.deleteMessageBatch(
                    queueURL,
                    entries: fresh.enumerated().map {
                        SQSDeleteEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle)
                    })
            }
        }
        return Array(byMessage.values)
    }
}
