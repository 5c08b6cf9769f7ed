import EDALAWS
import Logging

/// Moves messages from the dead-letter queue back to the notification queue (after a fix), keeping
/// their bodies and attributes: each is sent first and deleted from the dead-letter queue only once sent.
public struct DeadLetterRedrive: Sendable {
    public var sqs: SQSClient
    public var logger: Logger

    public init(sqs: SQSClient, logger: Logger = Logger(label: "edal.replay")) {
        self.sqs = sqs
        self.logger = logger
    }

    /// Moves everything; answers how many messages were moved.
    public func run(from deadLetterURL: String, to queueURL: String) async throws -> Int {
        var moved = 0
        var empty = 0
        while empty < 2 {
            let messages = try await sqs.receiveMessage(
                deadLetterURL, maximumMessages: 10, waitTimeSeconds: 1, visibilityTimeout: 60)
            guard !messages.isEmpty else {
                empty += 1
                continue
            }
            empty = 0
            let entries = messages.enumerated().map { index, message in
                SQSSendEntry(id: String(index), messageBody: message.body, messageAttributes: message.messageAttributes)
            }
            let sent = try await sqs.sendMessageBatch(queueURL, entries: entries)
            let sentIds = Set(sent.successfulIds)
            let deletes = messages.enumerated().filter { sentIds.contains(String($0.offset)) }
                .map { SQSDeleteEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle) }
            if !deletes.isEmpty {
                _ = try await sqs.deleteMessageBatch(deadLetterURL, entries: deletes)
            }
            moved += deletes.count
        }
        logger.info("moved dead-letter messages back", metadata: ["messages": "\(moved)"])
        return moved
    }
}
