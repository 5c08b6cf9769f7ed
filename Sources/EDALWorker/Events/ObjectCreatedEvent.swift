import EDALState
import Foundation

/// One "object created" record from a notification, with the key already decoded.
public struct ObjectCreatedEvent: Sendable, Equatable {
    public var bucket: String
    /// The object key exactly as stored in S3 (notification keys are form-decoded on parsing).
    public var key: String
    /// The ETag without quotes; multipart uploads end in `-N`.
    public var eTag: String
    public var size: Int64?
    /// Orders writes to one key; absent in backfilled events.
    public var sequencer: String?
    public var versionId: String?
    /// `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, … (EventBridge: its `reason`).
    public var eventName: String
    public var eventTime: Date?
    /// Who wrote the object (`userIdentity.principalId`; EventBridge: `requester`), when the event says.
    public var writer: String?
    /// From where (`requestParameters.sourceIPAddress`; EventBridge: `source-ip-address`).
    public var sourceIP: String?
    /// The bucket's owner as the event names it: `s3.bucket.ownerIdentity.principalId` (S3 writes the
    /// owner's canonical id there, which cannot be compared with an account id) or EventBridge's
    /// `account` (an account id).
    public var bucketOwner: String?
    /// The bucket's region as the event says (`awsRegion`; EventBridge: `region`): where its `HEAD`
    /// is first signed, until S3 shows the bucket's region.
    public var region: String?

    public init(
        bucket: String, key: String, eTag: String, size: Int64? = nil, sequencer: String? = nil,
        versionId: String? = nil, eventName: String = "ObjectCreated:Put", eventTime: Date? = nil,
        writer: String? = nil, sourceIP: String? = nil, bucketOwner: String? = nil, region: String? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.eTag = eTag
        self.size = size
        self.sequencer = sequencer
        self.versionId = versionId
        self.eventName = eventName
        self.eventTime = eventTime
        self.writer = writer
        self.sourceIP = sourceIP
        self.bucketOwner = bucketOwner
        self.region = region
    }

    /// What the worker asks the state store for.
    public var claimRequest: ClaimRequest {
        ClaimRequest(
            bucket: bucket, key: key, eTag: eTag, sequencer: sequencer, versionId: versionId, eventTime: eventTime)
    }
}
