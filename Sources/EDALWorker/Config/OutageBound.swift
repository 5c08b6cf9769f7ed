import EDALAWS
import Foundation

/// How long an outage of the store, S3 or every signal sink EDAL waits out before an object's
/// notification reaches the dead-letter queue (from where `edal replay --from-dlq` brings it
/// back): held work keeps its message hidden up to SQS's visibility ceiling, 12 hours from each
/// receive; the message then comes back and is received again, and the receive after the redrive
/// policy's `maxReceiveCount` moves it to the dead-letter queue. So no outage shorter than
/// `maxReceiveCount × 12 h` sends it there (longer in practice: receiving pauses while held work
/// keeps failing, so the message is taken back later than it turns visible; measured in the
/// simulation, *outage bound*). An object found only by the sweep is given up 24 hours after it
/// was written (`Sweep.giveUpAfter`).
public enum OutageBound {
    /// SQS's limit on how long a received message stays hidden, however often it is extended.
    public static let visibilityCeiling: Duration = .seconds(43_200)

    /// `maxReceiveCount` of a `RedrivePolicy` attribute's JSON.
    public static func maxReceiveCount(redrivePolicy: String) -> Int? {
        guard let value = (try? JSONReader.read(redrivePolicy))?["maxReceiveCount"] else { return nil }
        return value.stringValue.flatMap { Int($0) } ?? value.int64Value.map { Int($0) }
    }

    /// The bound for a queue whose redrive policy says `maxReceiveCount` (`nil`: no policy).
    public static func describe(maxReceiveCount: Int?) -> String {
        guard let maxReceiveCount else {
            return
                "no redrive policy: held work waits out an outage of any length (each message comes back every 12 h; nothing moves it to a dead-letter queue)"
        }
        let hours = maxReceiveCount * Int(visibilityCeiling.seconds) / 3600
        return
            "held work waits out an outage of the store, S3 or every sink for at least \(maxReceiveCount) × 12 h = \(hours) h before its message reaches the dead-letter queue (maxReceiveCount \(maxReceiveCount); `edal replay --from-dlq` brings it back); objects only the sweep finds are given up 24 h after they were written"
    }

    /// The bound for `queueURL`, read from its redrive policy; `nil` when SQS does not answer.
    public static func describe(queueURL: String, sqs: SQSClient) async -> String? {
        guard
            let attributes = try? await sqs.getQueueAttributes(queueURL, names: [SQSQueueAttribute.redrivePolicy])
        else { return nil }
        return describe(maxReceiveCount: attributes[SQSQueueAttribute.redrivePolicy].flatMap(maxReceiveCount))
    }
}
