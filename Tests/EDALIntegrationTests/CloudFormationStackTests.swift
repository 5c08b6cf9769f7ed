import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// infra/cloudformation/edal.yaml deployed to LocalStack's CloudFormation with the AWS CLI, then
/// `edal drain` run against nothing but the stack's outputs.
@Suite(
    "CloudFormation stack", .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct CloudFormationStackTests {
    /// The environment an AWS CLI or boto3 needs to reach LocalStack (S3, SQS, CloudFormation, IAM).
    static func localStackEnvironment(_ services: TestServices) -> [String: String] {
        var environment = services.processEnvironment()
        environment["AWS_ENDPOINT_URL"] = services.sqsEndpoint
        environment["AWS_DEFAULT_REGION"] = services.region
        return environment
    }

    /// `aws ARGUMENTS` against LocalStack; answers its standard output.
    static func aws(_ services: TestServices, _ arguments: [String]) async throws -> String {
        let cli = try #require(
            ProcessInfo.processInfo.environment["EDAL_TEST_AWS_CLI"], "the LocalStack venv brings the AWS CLI")
        return try await HelperProcess.run(
            cli, arguments + ["--output", "json"], environment: localStackEnvironment(services))
    }

    @Test(
        "the stack creates the queues, redrive, bucket notification and worker role; edal drain on its outputs signals every object once"
    )
    func drainOnTheStacksOutputs() async throws {
        guard let services = try TestServices.current() else { return }
        let name = TestServices.uniqueName("edal-cfn")
        // Kinesis is moto's here (LocalStack's needs kinesis-mock from npm): the stream exists first
        // and the stack is given its name (CreateStream=false); the stack's own stream is linted only.
        let streamFixture = try PipelineFixture(services: services, store: .sqlite, name: name)
        try await streamFixture.createStream()
        let stack = name
        _ = try await Self.aws(
            services,
            [
                "cloudformation", "deploy", "--stack-name", stack, "--template-file",
                Repository.path("infra/cloudformation/edal.yaml"), "--capabilities", "CAPABILITY_IAM",
                "--parameter-overrides", "BucketName=\(name)", "CreateBucket=true", "NamePrefix=\(name)",
                "CreateStream=false", "StreamName=\(streamFixture.stream)", "VisibilityTimeout=10",
                "MaxReceiveCount=5",
            ])
        let description = try await Self.aws(services, ["cloudformation", "describe-stacks", "--stack-name", stack])
        let stacks = try JSONSerialization.jsonObject(with: Data(description.utf8)) as? [String: Any]
        let first = try #require((stacks?["Stacks"] as? [[String: Any]])?.first)
        #expect(first["StackStatus"] as? String == "CREATE_COMPLETE", "\(first)")
        var outputs: [String: String] = [:]
        for output in first["Outputs"] as? [[String: Any]] ?? [] {
            if let key = output["OutputKey"] as? String, let value = output["OutputValue"] as? String {
                outputs[key] = value
            }
        }
        let queueURL = try #require(outputs["QueueUrl"], "\(outputs)")
        let fallbackURL = try #require(outputs["FallbackQueueUrl"], "\(outputs)")
        #expect(outputs["StreamName"] == streamFixture.stream)
        #expect(outputs["WorkerRoleArn"]?.hasPrefix("arn:aws:iam::") == true, "\(outputs)")

        // The redrive the template declares, read back from SQS.
        let attributes = try await streamFixture.withClient {
            try await SQSClient(client: $0).getQueueAttributes(queueURL)
        }
        #expect(
            attributes["RedrivePolicy"]?.contains("\"maxReceiveCount\":5") == true
                || attributes["RedrivePolicy"]?.contains("\"maxReceiveCount\": 5") == true, "\(attributes)")
        #expect(attributes["VisibilityTimeout"] == "10")

        // Objects arrive; edal drain is given only the stack's outputs.
        let fixture = try PipelineFixture(
            services: services, store: .sqlite, bucket: outputs["BucketName"] ?? name,
            queue: outputs["QueueName"] ?? "",
            deadLetterQueue: outputs["DeadLetterQueueUrl"].map { String($0.split(separator: "/").last ?? "") } ?? "",
            fallbackQueue: outputs["FallbackQueueName"] ?? "",
            stream: streamFixture.stream)
        try await fixture.removeTestEvents()
        let keys = try await fixture.generate(200, seed: 44)
        try await fixture.waitForNotifications(keys.count)
        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "15"],
            [
                // Every object signalled, not only anomalies: so "every object once" can be counted.
                "EDAL_MODE": "continuous", "EDAL_QUEUE": queueURL, "EDAL_FALLBACK_QUEUE": fallbackURL,
                "EDAL_STREAM": outputs["StreamName"] ?? "",
                "EDAL_WATCH": outputs["BucketName"] ?? "",
            ])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000)) \(figures.raw)")
        let signals = try await fixture.streamSignals() + (try await fixture.fallbackSignals())
        #expect(
            Set(signals.map(\.evidence.key)) == Set(keys), "\(difference(Set(signals.map(\.evidence.key)), Set(keys)))")
        #expect(Set(signals.map(\.signalId)).count == keys.count, "one signal id per object")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        print(
            "cloudformation: stack \(stack) \(first["StackStatus"] ?? "?"), \(keys.count) objects drained from its queue, \(signals.count) signals"
        )
        _ = try? await Self.aws(services, ["cloudformation", "delete-stack", "--stack-name", stack])
    }

    @Test(
        "the template's existing-bucket function, run against LocalStack's S3: EDAL's notification added beside another team's, removed alone"
    )
    func existingBucketFunction() async throws {
        guard let services = try TestServices.current() else { return }
        let python = try #require(ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"])
        let outcome = try await HelperProcess.execute(
            python,
            [
                Repository.path("infra/testing/bucket_notification_function.py"),
                TestServices.uniqueName("edal-existing"),
            ],
            environment: Self.localStackEnvironment(services))
        #expect(outcome.status == 0, "\(outcome.output) \(outcome.errors.suffix(2000))")
        print(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
