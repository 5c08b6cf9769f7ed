import EDALAWS
import EDALWorker
import Foundation
import Testing

/// Every client against a moto_server that checks SigV4 signatures: the right key works for every
/// operation, a wrong secret is refused with SignatureDoesNotMatch by every service.
@Suite(.enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct SignatureCheckingTests {
    @Test func everyClientSignsCorrectly() async throws {
        guard let services = try TestServices.current() else { return }
        let configuration = try services.configuration(
            accessKeyId: services.authAccessKeyId, secret: services.authSecretAccessKey,
            allServices: services.authEndpoint)
        _ = try await services.withClient(configuration) { client in
            let s3 = S3Client(client: client)
            let sqs = SQSClient(client: client)
            let kinesis = KinesisClient(client: client)
            let name = TestServices.uniqueName("edal-auth")

            try await s3.createBucket(name)
            // moto's own signature check rejects keys with `+`, `:` or non-ASCII characters even from
            // boto3 (its canonical path differs from AWS's); the botocore cross-check covers those.
            let key = "logs/checkout/with space/part-0001.json"
            _ = try await s3.putObject(
                bucket: name, key: key, body: Array("{\"a\":1}".utf8), metadata: ["record-count": "1"])
            let head = try #require(try await s3.headObject(bucket: name, key: key))
            #expect(head.metadata["record-count"] == "1")
            // moto also rejects boto3's own signature when a query value holds `/`: list by a prefix without one.
            #expect(try await s3.listObjectsV2(bucket: name, prefix: "logs").objects.map(\.key) == [key])
            let queue = try await sqs.createQueue(name)
            let arn = try #require(try await sqs.getQueueAttributes(queue)[SQSQueueAttribute.queueArn])
            try await s3.putBucketNotificationConfiguration(
                name, S3NotificationConfiguration(queueConfigurations: [.init(queueArn: arn)]))

            _ = try await sqs.sendMessageBatch(queue, entries: [SQSSendEntry(id: "1", messageBody: "hello")])
            let messages = try await sqs.receiveMessage(queue, waitTimeSeconds: 1)
            #expect(messages.contains { $0.body == "hello" })
            _ = try await sqs.changeMessageVisibilityBatch(
                queue,
                entries: messages.map {
                    SQSVisibilityEntry(id: "v", receiptHandle: $0.receiptHandle, visibilityTimeout: 10)
                })
            let deleted = try await sqs.deleteMessageBatch(
                queue,
                entries: messages.enumerated().map {
                    SQSDeleteEntry(id: "d\($0.offset)", receiptHandle: $0.element.receiptHandle)
                })
            #expect(deleted.failed.isEmpty)

            try await kinesis.createStream(name)
            _ = try await kinesis.waitUntilActive(name)
            let put = try await kinesis.putRecords(
                stream: name, records: [KinesisRecordInput(data: Data("x".utf8), partitionKey: "p")])
            #expect(put.failedRecordCount == 0)
            let shard = try #require(try await kinesis.listShards(name).first)
            let iterator = try await kinesis.getShardIterator(stream: name, shardId: shard.shardId, start: .trimHorizon)
            #expect(try await kinesis.getRecords(shardIterator: iterator).records.map(\.data) == [Data("x".utf8)])
        }
    }

    @Test func aWrongSecretIsRefusedByEveryService() async throws {
        guard let services = try TestServices.current() else { return }
        let configuration = try services.configuration(
            accessKeyId: services.authAccessKeyId, secret: services.authSecretAccessKey + "x",
            allServices: services.authEndpoint)
        _ = try await services.withClient(configuration) { client in
            let refusals = ["SignatureDoesNotMatch", "InvalidSignatureException"]
            let s3 = await #expect(throws: AWSServiceError.self) {
                _ = try await S3Client(client: client).listObjectsV2(bucket: "any")
            }
            let sqs = await #expect(throws: AWSServiceError.self) {
                _ = try await SQSClient(client: client).createQueue("refused")
            }
            let kinesis = await #expect(throws: AWSServiceError.self) {
                _ = try await KinesisClient(client: client).listShards("refused")
            }
            #expect(refusals.contains(s3?.code ?? ""), "S3: \(String(describing: s3))")
            #expect(refusals.contains(sqs?.code ?? ""), "SQS: \(String(describing: sqs))")
            #expect(refusals.contains(kinesis?.code ?? ""), "Kinesis: \(String(describing: kinesis))")
        }
    }
}
