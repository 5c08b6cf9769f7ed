import EDALAWS
import EDALState
import Foundation

/// How long the state store keeps a claim after it was last claimed (completion follows within a lease): longer than anything
/// that can still deliver the same content, so dedupe holds inside it and the store stays bounded.
///
/// What can deliver an object again: its notification, for as long as the queue keeps messages; the
/// same message moved to the dead-letter queue and replayed (`edal replay` gives it a fresh
/// life in the queue), for as long as the dead-letter queue keeps it; and the sweep, which lists
/// back `EDAL_SWEEP_LOOKBACK` (first sweep) or `EDAL_SWEEP_OVERLAP` before its watermark. The window
/// is the queue's retention plus the dead-letter queue's plus the longer sweep horizon plus a day.
/// A delivery after the window — a backfill over old objects, a replay repeated past it — is
/// claimed anew and signalled again.
public struct ClaimRetention: Sendable, Equatable, CustomStringConvertible {
    /// `nil`: claims are kept for ever (`EDAL_CLAIM_RETENTION=0`).
    public var duration: Duration?
    /// How the window was arrived at, for the start-up log.
    public var reason: String

    /// SQS's longest message retention, assumed where a queue's own cannot be read.
    static let longestQueueRetention = 14 * 86_400
    static let margin = 86_400

    /// The window from what delivers objects (seconds each; `nil`: could not be read).
    public static func computed(
        queueRetention: Int?, deadLetterRetention: Int?, hasDeadLetterQueue: Bool,
        sweepLookback: Int, sweepOverlap: Int
    ) -> ClaimRetention {
        let queue = queueRetention ?? longestQueueRetention
        let deadLetter = hasDeadLetterQueue ? (deadLetterRetention ?? longestQueueRetention) : 0
        let sweep = max(sweepLookback, sweepOverlap)
        let seconds = queue + deadLetter + sweep + margin
        func days(_ seconds: Int) -> String { String(format: "%.1f d", Double(seconds) / 86_400) }
        let reason =
            "queue retention \(days(queue))\(queueRetention == nil ? " (assumed)" : "")"
            + (hasDeadLetterQueue
                ? " + dead-letter retention \(days(deadLetter))\(deadLetterRetention == nil ? " (assumed)" : "")" : "")
            + " + sweep horizon \(days(sweep)) + 1 day"
        return ClaimRetention(duration: .seconds(seconds), reason: reason)
    }

    /// Reads the queue's and its dead-letter queue's retention; a value that cannot be read is
    /// assumed to be SQS's longest (14 days).
    public static func computed(queueURL: String, sqs: SQSClient, sweepLookback: Int, sweepOverlap: Int) async
        -> ClaimRetention
    {
        let attributes = try? await sqs.getQueueAttributes(
            queueURL, names: [SQSQueueAttribute.messageRetentionPeriod, SQSQueueAttribute.redrivePolicy])
        let queueRetention = attributes?[SQSQueueAttribute.messageRetentionPeriod].flatMap { Int($0) }
        let redrive = attributes?[SQSQueueAttribute.redrivePolicy]
        var deadLetterRetention: Int?
        if let redrive, let url = await DeadLetterQueue.url(redrivePolicy: redrive, sqs: sqs) {
            deadLetterRetention =
                (try? await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.messageRetentionPeriod]))?[
                    SQSQueueAttribute.messageRetentionPeriod
                ].flatMap { Int($0) }
        }
        return computed(
            queueRetention: queueRetention, deadLetterRetention: deadLetterRetention,
            hasDeadLetterQueue: attributes == nil || redrive != nil, sweepLookback: sweepLookback,
            sweepOverlap: sweepOverlap)
    }

    public var description: String {
        guard let duration else { return "for ever (\(reason))" }
        return String(format: "%.1f days (%@)", duration.seconds / 86_400, reason)
    }
}
