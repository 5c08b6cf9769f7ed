import Foundation
import EDALAWS

/// Reads SQS message bodies carrying S3 notifications: a direct S3 event (one or more records), the
/// same wrapped by SNS (its `Message` is the S3 event as a string), or an EventBridge
/// "Object Created" event. `s3:TestEvent`, bare or inside SNS, is recognised as such.
///
/// Keys of direct and SNS notifications are form-decoded; EventBridge carries keys unencoded.
public enum NotificationParser {
    /// Parses one message body.
    public static func parse(_ body: String) throws(NotificationParseError) -> S3Notification {
        let envelope = try decode(Envelope.self, from: Data(body.utf8))
        if let message = envelope.message, envelope.type == "Notification" || envelope.topicArn != nil {
            var inner = try parseS3Event(try decode(Envelope.self, from: Data(message.utf8)))
            inner.envelope = .sns
            return inner
        }
        if let detailType = envelope.detailType {
            return try parseEventBridge(detailType: detailType, source: envelope.source, account: envelope.account, detail: envelope.detail)
        }
        return try parseS3Event(envelope)
    }

    private static func parseS3Event(_ envelope: Envelope) throws(NotificationParseError) -> S3Notification {
        if envelope.event == "s3:TestEvent" {
            return S3Notification(envelope: .direct, isTestEvent: true)
        }
        guard let records = envelope.records else {
            throw NotificationParseError("no Records, no s3:TestEvent, not SNS, not EventBridge")
        }
        guard !records.isEmpty else { throw NotificationParseError("Records is empty") }
        guard records.count <= ObjectEventLimits.maximumRecords else {
            throw NotificationParseError("\(records.count) records; S3 sends one, EDAL accepts up to \(ObjectEventLimits.maximumRecords)")
        }
        var notification = S3Notification(envelope: .direct)
        for (index, record) in records.enumerated() {
            guard let eventName = record.eventName else { throw NotificationParseError("record \(index) has no eventName") }
            let name = eventName.hasPrefix("s3:") ? String(eventName.dropFirst(3)) : eventName
            guard name.hasPrefix("ObjectCreated:") else {
                notification.ignoredRecords += 1
                continue
            }
            guard let bucket = record.s3?.bucket?.name, !bucket.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.bucket.name")
            }
            guard let rawKey = record.s3?.object?.key, !rawKey.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.object.key")
            }
            guard let key = rawKey.formDecoded() else {
                throw NotificationParseError("record \(index): the key \(rawKey.prefix(200)) is not form-encoded UTF-8")
            }
            guard let eTag = record.s3?.object?.eTag.map(unquote), !eTag.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.object.eTag")
            }
            let event = ObjectCreatedEvent(
                bucket: bucket, key: key, eTag: eTag, size: record.s3?.object?.size,
                sequencer: record.s3?.object?.sequencer, versionId: record.s3?.object?.versionId.flatMap { $0.isEmpty ? nil : $0 },
                eventName: name, eventTime: record.eventTime.flatMap(HTTPDate.parseISO8601),
                writer: record.userIdentity?.principalId, sourceIP: record.requestParameters?.sourceIPAddress,
                bucketOwner: record.s3?.bucket?.ownerIdentity?.principalId
            )
            try ObjectEventLimits.check(event, record: index)
            notification.objects.append(event)
        }
        return notification
    }

    private static func parseEventBridge(detailType: String, source: String?, account: String?, detail: EventBridgeDetail?) throws(NotificationParseError) -> S3Notification {
        guard source == nil || source == "aws.s3" else {
            throw NotificationParseError("an EventBridge event from \(source ?? "?"), not aws.s3")
        }
        guard detailType == "Object Created" else {
            return S3Notification(envelope: .eventBridge, ignoredRecords: 1)
        }
        guard let bucket = detail?.bucket?.name, !bucket.isEmpty else { throw NotificationParseError("EventBridge event has no detail.bucket.name") }
        guard let key = detail?.object?.key, !key.isEmpty else { throw NotificationParseError("EventBridge event has no detail.object.key") }
        guard let eTag = detail?.object?.etag.map(unquote), !eTag.isEmpty else {
            throw NotificationParseError("EventBridge event has no detail.object.etag")
        }
        let event = ObjectCreatedEvent(
            bucket: bucket, key: key, eTag: eTag, size: detail?.object?.size, sequencer: detail?.object?.sequencer,
            versionId: detail?.object?.versionId, eventName: "ObjectCreated:\(detail?.reason ?? "Put")", eventTime: nil,
            writer: detail?.requester, sourceIP: detail?.sourceIPAddress, bucketOwner: account
        )
        try ObjectEventLimits.check(event, record: 0)
        return S3Notification(envelope: .eventBridge, objects: [event])
    }

    private static func unquote(_ eTag: String) -> String {
        eTag.count >= 2 && eTag.hasPrefix("\"") && eTag.hasSuffix("\"") ? String(eTag.dropFirst().dropLast()) : eTag
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(NotificationParseError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.dataCorrupted(let context) {
            throw NotificationParseError("not JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))")
        } catch DecodingError.typeMismatch(_, let context) {
            throw NotificationParseError("\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch {
            throw NotificationParseError("\(error)")
        }
    }

    // MARK: Wire shapes (every member optional: what is missing is reported, not crashed on)

    struct Envelope: Decodable {
        var records: [Record]?
        var event: String?
        var type: String?
        var message: String?
        var topicArn: String?
        var detailType: String?
        var source: String?
        /// EventBridge: the account the event comes from, the bucket owner's for S3 events.
        var account: String?
        var detail: EventBridgeDetail?

        enum CodingKeys: String, CodingKey {
            case records = "Records", event = "Event", type = "Type", message = "Message", topicArn = "TopicArn"
            case detailType = "detail-type", source, account, detail
        }
    }

    struct Record: Decodable {
        struct UserIdentity: Decodable { var principalId: String? }
        struct RequestParameters: Decodable { var sourceIPAddress: String? }
        var eventName: String?
        var eventTime: String?
        var userIdentity: UserIdentity?
        var requestParameters: RequestParameters?
        var s3: S3Entity?
    }

    struct S3Entity: Decodable {
        struct OwnerIdentity: Decodable { var principalId: String? }
        struct Bucket: Decodable {
            var name: String?
            var ownerIdentity: OwnerIdentity?
        }
        struct Object: Decodable {
            var key: String?
            var size: Int64?
            var eTag: String?
            var versionId: String?
            var sequencer: String?
        }
        var bucket: Bucket?
        var object: Object?
    }

    struct EventBridgeDetail: Decodable {
        struct Bucket: Decodable { var name: String? }
        struct Object: Decodable {
            var key: String?
            var size: Int64?
            var etag: String?
            var versionId: String?
            var sequencer: String?

            enum CodingKeys: String, CodingKey {
                case key, size, etag, versionId = "version-id", sequencer
            }
        }
        var bucket: Bucket?
        var object: Object?
        var reason: String?
        var requester: String?
        var sourceIPAddress: String?

        enum CodingKeys: String, CodingKey {
            case bucket, object, reason, requester, sourceIPAddress = "source-ip-address"
        }
    }
}
