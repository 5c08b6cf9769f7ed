/// A queue URL read for what it says about the queue: its region.
///
/// The shapes understood: AWS's `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` (and `.com.cn`),
/// the legacy `https://REGION.queue.amazonaws.com/ACCOUNT/NAME`, LocalStack's
/// `http://sqs.REGION.localhost.localstack.cloud:4566/ACCOUNT/NAME` and its path strategy
/// `http://HOST:4566/queue/REGION/ACCOUNT/NAME`. Other URLs (an emulator's `http://127.0.0.1:…/ACCOUNT/NAME`)
/// name no region, and the configured one is used.
public struct SQSQueueURL: Sendable, Equatable {
    /// The region the URL names, if it names one.
    public var region: String?

    public init?(_ url: String) {
        guard let endpoint = AWSEndpoint(url: url) else { return nil }
        let labels = endpoint.host.split(separator: ".").map(String.init)
        let segments = endpoint.basePath.split(separator: "/").map(String.init)
        if labels.count >= 3, labels[0] == "sqs", AWSRegionName.isValid(labels[1]) {
            region = labels[1]
        } else if labels.count >= 3, labels[1] == "queue", AWSRegionName.isValid(labels[0]) {
            region = labels[0]
        } else if segments.count >= 4, segments[0] == "queue", AWSRegionName.isValid(segments[1]) {
            region = segments[1]
        } else {
            region = nil
        }
    }
}
