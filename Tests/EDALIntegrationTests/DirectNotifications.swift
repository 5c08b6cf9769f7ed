import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// An `ObjectCreated` notification as S3 writes it (event version 2.1), for tests that send it
/// themselves: a forged one, one for a bucket S3 does not notify, or one sent at a set moment.
struct S3CreatedNotification: Sendable {
    var bucket: String
    var key: String
    var size: Int
    var eTag: String
    /// S3's per-key order: hex digits, compared after left-padding.
    var sequencer: String
    var region = "us-east-1"
    var eventTime = Date()

    /// The message body S3 sends to a queue: the key form-encoded, as S3 does.
    var body: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = formatter.string(from: eventTime)
        return """
            {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"\(region)","eventTime":"\(time)",\
            "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"\(bucket)"},"object":{"key":"\(key.formEncoded())",\
            "size":\(size),"eTag":"\(eTag)","sequencer":"\(sequencer)"}}}]}
            """
    }
}

/// The `s3:TestEvent` S3 sends to a queue when a bucket's notification to it is configured.
func s3TestEventBody(bucket: String) -> String {
    #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-08T00:00:00.000Z","Bucket":"\#(bucket)"}"#
}

extension PipelineFixture {
    /// Stops S3 notifying this deployment's queue (`edal setup` configured it): the test then sends
    /// each notification itself with `putAndNotify`, the moment S3 has stored the object.
    ///
    /// For tests whose outcome depends on when the worker hears of each object (a source's cadence,
    /// its silence): LocalStack sends every bucket's notifications from one pool of three threads,
    /// so under `make test` they arrive whenever the other suites' thousands of uploads let them,
    /// a minute or more late and unevenly. S3's own notifications normally arrive within seconds.
    func notifyFromTheTest() async throws {
        try await withClient { client in
            try await S3Client(client: client).putBucketNotificationConfiguration(
                bucket, S3NotificationConfiguration(queueConfigurations: []))
        }
    }

    /// Uploads `body` as `key` and sends the queue the notification S3 would have sent.
    func putAndNotify(_ key: String, body: [UInt8], contentType: String = "application/octet-stream") async throws {
        try await withClient { client in
            try await putAndNotify(
                key, body: body, contentType: contentType, client: client,
                queueURL: try await SQSClient(client: client).getQueueUrl(queue))
        }
    }

    /// `putAndNotify` through a client the caller keeps, for a test uploading one object after another.
    func putAndNotify(_ key: String, body: [UInt8], contentType: String, client: AWSClient, queueURL: String)
        async throws
    {
        let put = try await S3Client(client: client).putObject(
            bucket: bucket, key: key, body: body, contentType: contentType)
        let notification = S3CreatedNotification(
            bucket: bucket, key: key, size: body.count, eTag: put.eTag,
            sequencer: String(UInt64(Date().timeIntervalSince1970 * 1_000_000), radix: 16, uppercase: true),
            region: region)
        _ = try await SQSClient(client: client).sendMessage(queueURL, body: notification.body)
    }
}
