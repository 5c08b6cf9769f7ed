import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// `localstack-init/ready.d/10-edal-setup.sh`, the hook LocalStack runs when ready in the compose
/// demo, run here against the natively started LocalStack (S3, SQS) and moto (Kinesis).
@Suite(
    "localstack-init ready hook", .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct LocalStackInitHookTests {
    @Test("creates the queues, redrive and S3 policy, notifications and stream; running it twice is harmless")
    func hookSetsUpTheDemo() async throws {
        guard let services = try TestServices.current() else { return }
        guard let cli = ProcessInfo.processInfo.environment["EDAL_TEST_AWS_CLI"] else {
            // Only the LocalStack venv brings the AWS CLI; without Python 3.12+ there is none to test with.
            Issue.record("EDAL_TEST_AWS_CLI is not set: the LocalStack venv (with the AWS CLI) was not installed")
            return
        }
        let name = TestServices.uniqueName("edal-hook")
        var environment = services.processEnvironment()
        environment["EDAL_AWS_CLI"] = cli
        environment["EDAL_BUCKETS"] = "\(name)-a,\(name)-b"
        environment["EDAL_QUEUE_NAME"] = "\(name)-q"
        environment["EDAL_FALLBACK_QUEUE_NAME"] = "\(name)-fallback"
        environment["EDAL_STREAM_NAME"] = "\(name)-s"
        environment["EDAL_MAX_RECEIVE_COUNT"] = "4"
        let hook = Repository.path("localstack-init/ready.d/10-edal-setup.sh")
        for _ in 0..<2 {
            let outcome = try await HelperProcess.execute("/bin/sh", [hook], environment: environment)
            #expect(outcome.status == 0, "\(outcome.errors)")
        }

        try await services.withClient { client in
            let sqs = SQSClient(client: client)
            let queueURL = try await sqs.getQueueUrl("\(name)-q")
            let attributes = try await sqs.getQueueAttributes(queueURL)
            let redrive = try #require(attributes["RedrivePolicy"])
            #expect(redrive.contains("\(name)-q-dlq") && redrive.contains("\"maxReceiveCount\":\"4\""))
            #expect(attributes["Policy"]?.contains("arn:aws:s3:::\(name)-b") == true)
            _ = try await sqs.getQueueUrl("\(name)-fallback")
            let stream = try await KinesisClient(client: client).describeStreamSummary("\(name)-s")
            #expect(stream.streamStatus == "ACTIVE")

            // The notification works: an upload to either bucket lands in the queue.
            _ = try await S3Client(client: client).putObject(
                bucket: "\(name)-b", key: "logs/x y.jsonl", body: Array("{}".utf8))
            let bodies = try await sqs.receiveBodies(queueURL, until: { $0.contains("ObjectCreated") })
            let created = try #require(bodies.first { $0.contains("ObjectCreated") })
            #expect(try NotificationParser.parse(created).objects.map(\.key) == ["logs/x y.jsonl"])
        }
    }
}
