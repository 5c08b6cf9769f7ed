import EDALAWS

/// Why a well-formed record is not acted on: never `HEAD`ed, claimed or signalled; its message is
/// left for the dead-letter queue like a malformed one.
enum RecordRejection: String, Sendable, Equatable {
    /// The bucket (or key) is outside `EDAL_ALLOWED_BUCKETS`.
    case bucketNotAllowed = "bucket_not_allowed"
    /// The event names a bucket owner other than the account `EDAL_EXPECTED_BUCKET_OWNER` expects.
    case ownerMismatch = "owner_mismatch"

    /// Why `event` is rejected under `configuration`, or `nil` when it may be worked on.
    ///
    /// The owner is only compared when the event names an account id (EventBridge's `account`, or a
    /// 12-digit `ownerIdentity`): S3's own notifications carry the owner's canonical id, which is not
    /// an account id. For those, the `x-amz-expected-bucket-owner` header on the `HEAD` is the check.
    static func of(_ event: ObjectCreatedEvent, under configuration: QueueWorkerConfiguration) -> RecordRejection? {
        guard configuration.allowedBuckets.permits(bucket: event.bucket, key: event.key) else {
            return .bucketNotAllowed
        }
        if let expected = configuration.expectedBucketOwners.owner(of: event.bucket), let named = event.bucketOwner,
            isAccountId(named), named != expected
        {
            return .ownerMismatch
        }
        return nil
    }

    private static func isAccountId(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
