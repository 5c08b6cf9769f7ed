@testable import EDALWorker

/// SQS message bodies. A body that parses holds only records S3 could have written: at most
/// `ObjectEventLimits.maximumRecords`, bucket names S3 accepts, keys within 1,024 bytes.
enum NotificationFuzzing {
    static func run(_ bytes: [UInt8]) {
        guard let notification = try? NotificationParser.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        require(
            notification.objects.count <= ObjectEventLimits.maximumRecords,
            "\(notification.objects.count) records accepted")
        for event in notification.objects {
            require(ObjectEventLimits.isBucketName(event.bucket), "bucket \(event.bucket.debugDescription) accepted")
            require(
                event.key.utf8.count <= ObjectEventLimits.maximumKeyBytes, "a \(event.key.utf8.count)-byte key accepted"
            )
            require(!event.eTag.isEmpty, "an empty ETag accepted")
        }
    }
}
