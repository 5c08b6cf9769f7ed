import EDALAWS
import Foundation

/// Where a queue's redrive policy sends messages received too often.
enum DeadLetterQueue {
    /// The dead-letter queue's URL named by `redrivePolicy` (the `RedrivePolicy` attribute's JSON);
    /// `nil` when it names none or the queue cannot be found.
    static func url(redrivePolicy: String, sqs: SQSClient) async -> String? {
        guard let arn = (try? JSONReader.read(redrivePolicy))?["deadLetterTargetArn"]?.stringValue,
            let name = arn.split(separator: ":").last.map(String.init)
        else { return nil }
        return try? await sqs.getQueueUrl(name)
    }

    /// The dead-letter queue of `queueURL`, from its redrive policy.
    static func url(of queueURL: String, sqs: SQSClient) async -> String? {
        guard
            let policy = try? await sqs.getQueueAttributes(queueURL, names: [SQSQueueAttribute.redrivePolicy])[
                SQSQueueAttribute.redrivePolicy]
        else { return nil }
        return await url(redrivePolicy: policy, sqs: sqs)
    }
}
