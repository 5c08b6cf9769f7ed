import EDALAWS
import EDALWorker
import Foundation
import Testing

@Suite(.enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10))) struct SQSClientTests {
    @Test func queueLifecycleAndBatches() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let sqs = SQSClient(client: client)
            let name = TestServices.uniqueName("edal-q")
            let dlqUrl = try await sqs.createQueue(name + "-dlq")
            let dlqArn = try #require(
                try await sqs.getQueueAttributes(dlqUrl, names: [SQSQueueAttribute.queueArn])[
                    SQSQueueAttribute.queueArn])
            let url = try await sqs.createQueue(name, attributes: [SQSQueueAttribute.visibilityTimeout: "30"])
            #expect(try await sqs.getQueueUrl(name) == url)

            let redrive = "{\"deadLetterTargetArn\":\"\(dlqArn)\",\"maxReceiveCount\":\"3\"}"
            try await sqs.setQueueAttributes(url, [SQSQueueAttribute.redrivePolicy: redrive])
            let attributes = try await sqs.getQueueAttributes(url)
            let stored = try #require(attributes[SQSQueueAttribute.redrivePolicy])
            #expect(stored.contains(dlqArn))
            #expect(attributes[SQSQueueAttribute.visibilityTimeout] == "30")

            let bodies = (0..<10).map { "message \($0) with ünïcode and \"quotes\"" }
            let sent = try await sqs.sendMessageBatch(
                url,
                entries: bodies.enumerated().map {
                    SQSSendEntry(
                        id: "m\($0.offset)", messageBody: $0.element,
                        messageAttributes: ["origin": SQSMessageAttribute(stringValue: "test")])
                })
            #expect(sent.failed.isEmpty)
            #expect(Set(sent.successfulIds) == Set((0..<10).map { "m\($0)" }))
            #expect(sent.messageIds.count == 10)

            var received: [SQSMessage] = []
            for _ in 0..<10 where received.count < 10 {
                received += try await sqs.receiveMessage(url, maximumMessages: 10, waitTimeSeconds: 1)
            }
            #expect(Set(received.map(\.body)) == Set(bodies))
            #expect(received.allSatisfy { $0.receiveCount == 1 })
            #expect(received.allSatisfy { ($0.sentTimestampMilliseconds ?? 0) > 1_600_000_000_000 })
            #expect(received.first?.messageAttributes?["origin"]?.stringValue == "test")

            let extended = try await sqs.changeMessageVisibilityBatch(
                url,
                entries: received.prefix(5).enumerated().map {
                    SQSVisibilityEntry(
                        id: "v\($0.offset)", receiptHandle: $0.element.receiptHandle, visibilityTimeout: 60)
                })
            #expect(extended.failed.isEmpty)
            #expect(extended.successfulIds.count == 5)

            // Delete all ten plus one bogus handle: the bogus entry fails alone.
            var entries = received.enumerated().map {
                SQSDeleteEntry(id: "d\($0.offset)", receiptHandle: $0.element.receiptHandle)
            }
            entries.removeLast()
            entries.append(SQSDeleteEntry(id: "bogus", receiptHandle: "not-a-receipt-handle"))
            let deleted = try await sqs.deleteMessageBatch(url, entries: entries)
            #expect(deleted.successfulIds.count == 9)
            #expect(deleted.failed.map(\.id) == ["bogus"])
            #expect(deleted.failed.first?.code.contains("ReceiptHandle") == true)
            let last = try #require(received.last)
            let deletedLast = try await sqs.deleteMessageBatch(
                url, entries: [SQSDeleteEntry(id: "last", receiptHandle: last.receiptHandle)])
            #expect(deletedLast.successfulIds == ["last"])

            #expect(try await sqs.receiveMessage(url, waitTimeSeconds: 1).isEmpty)
            let counts = try await sqs.getQueueAttributes(
                url,
                names: [
                    SQSQueueAttribute.approximateNumberOfMessages,
                    SQSQueueAttribute.approximateNumberOfMessagesNotVisible,
                ])
            #expect(counts[SQSQueueAttribute.approximateNumberOfMessages] == "0")
            #expect(counts[SQSQueueAttribute.approximateNumberOfMessagesNotVisible] == "0")
            try await sqs.deleteQueue(url)
            try await sqs.deleteQueue(dlqUrl)
        }
    }

    @Test func missingQueueIsATypedError() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let error = await #expect(throws: AWSServiceError.self) {
                _ = try await SQSClient(client: client).getQueueUrl(TestServices.uniqueName("edal-none"))
            }
            #expect(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"].contains(error?.code ?? ""))
        }
    }

    @Test func s3NotificationsArriveInTheQueue() async throws {
        guard let services = try TestServices.current() else { return }
        _ = try await services.withClient { client in
            let s3 = S3Client(client: client)
            let sqs = SQSClient(client: client)
            let bucket = TestServices.uniqueName("edal-notify")
            try await s3.createBucket(bucket)
            let url = try await sqs.createQueue(bucket)
            let arn = try #require(
                try await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.queueArn])[SQSQueueAttribute.queueArn])
            try await s3.putBucketNotificationConfiguration(
                bucket,
                S3NotificationConfiguration(queueConfigurations: [
                    .init(id: "edal", queueArn: arn, events: ["s3:ObjectCreated:*"], prefix: "logs/")
                ]))
            _ = try await s3.putObject(bucket: bucket, key: "logs/a b.json", body: Array("{}".utf8))
            _ = try await s3.putObject(bucket: bucket, key: "other/ignored.json", body: Array("{}".utf8))

            let bodies = try await sqs.receiveBodies(url, until: { $0.contains("ObjectCreated") })
            let created = bodies.filter { $0.contains("ObjectCreated") }
            #expect(created.count == 1)
            #expect(created.first?.contains(bucket) == true)
            #expect(!bodies.contains { $0.contains("ignored.json") })
        }
    }
}
