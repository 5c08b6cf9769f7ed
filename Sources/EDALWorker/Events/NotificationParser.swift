import EDALAWS
import Foundation

/// Reads SQS message bodies carrying S3 notifications: a direct S3 event (one or more records), the
/// same wrapped by SNS (its `Message` is the S3 event as a string), or an EventBridge
/// "Object Created" event. `s3:TestEvent`, bare or inside SNS, is recognised as such.
///
/// Keys of direct and SNS notifications are form-decoded; EventBridge carries keys unencoded.
public enum NotificationParser {
    /// Parses one message body.
    public static func parse(_ body: String) throws(NotificationParseError) -> S3Notification {
        let envelope = try Envelope(try read(body))
        if let message = envelope.message, envelope.type == "Notification" || envelope.topicArn != nil {
            var inner = try parseS3Event(try Envelope(try read(message)))
            inner.envelope = .sns
            return inner
        }
        if let detailType = envelope.detailType {
            return try parseEventBridge(
                detailType: detailType, source: envelope.source, account: envelope.account, region: envelope.region,
                detail: envelope.detail)
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
            throw NotificationParseError(
                "\(records.count) records; S3 sends one, EDAL accepts up to \(ObjectEventLimits.maximumRecords)")
        }
        var notification = S3Notification(envelope: .direct)
        for (index, value) in records.enumerated() {
            let record = try Record(value, path: "Records[\(index)]")
            guard let eventName = record.eventName else {
                throw NotificationParseError("record \(index) has no eventName")
            }
            let name = eventName.hasPrefix("s3:") ? String(eventName.dropFirst(3)) : eventName
            guard name.hasPrefix("ObjectCreated:") else {
                notification.ignoredRecords += 1
                continue
            }
            guard let bucket = record.bucketName, !bucket.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.bucket.name")
            }
            guard let rawKey = record.key, !rawKey.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.object.key")
            }
            guard let key = rawKey.formDecoded() else {
                throw NotificationParseError("record \(index): the key \(rawKey.prefix(200)) is not form-encoded UTF-8")
            }
            guard let eTag = record.eTag.map(unquote), !eTag.isEmpty else {
                throw NotificationParseError("record \(index) has no s3.object.eTag")
            }
            let event = ObjectCreatedEvent(
                bucket: bucket, key: key, eTag: eTag, size: record.size,
                sequencer: record.sequencer, versionId: record.versionId.flatMap { $0.isEmpty ? nil : $0 },
                eventName: name, eventTime: record.eventTime.flatMap(HTTPDate.parseISO8601),
                writer: record.principalId, sourceIP: record.sourceIPAddress,
                bucketOwner: record.bucketOwner, region: record.awsRegion.flatMap(regionHint)
            )
            try ObjectEventLimits.check(event, record: index)
            notification.objects.append(event)
        }
        return notification
    }

    private static func parseEventBridge(
        detailType: String, source: String?, account: String?, region: String?, detail: EventBridgeDetail?
    ) throws(NotificationParseError) -> S3Notification {
        guard source == nil || source == "aws.s3" else {
            throw NotificationParseError("an EventBridge event from \(source ?? "?"), not aws.s3")
        }
        guard detailType == "Object Created" else {
            return S3Notification(envelope: .eventBridge, ignoredRecords: 1)
        }
        guard let bucket = detail?.bucketName, !bucket.isEmpty else {
            throw NotificationParseError("EventBridge event has no detail.bucket.name")
        }
        guard let key = detail?.object?.key, !key.isEmpty else {
            throw NotificationParseError("EventBridge event has no detail.object.key")
        }
        guard let eTag = detail?.object?.etag.map(unquote), !eTag.isEmpty else {
            throw NotificationParseError("EventBridge event has no detail.object.etag")
        }
        let event = ObjectCreatedEvent(
            bucket: bucket, key: key, eTag: eTag, size: detail?.object?.size, sequencer: detail?.object?.sequencer,
            versionId: detail?.object?.versionId, eventName: "ObjectCreated:\(detail?.reason ?? "Put")", eventTime: nil,
            writer: detail?.requester, sourceIP: detail?.sourceIPAddress, bucketOwner: account,
            region: region.flatMap(regionHint)
        )
        try ObjectEventLimits.check(event, record: 0)
        return S3Notification(envelope: .eventBridge, objects: [event])
    }

    /// A region-shaped `awsRegion` (EventBridge: `region`), or `nil`: only a hint for where to sign
    /// the `HEAD` (S3 corrects a wrong one), so a malformed one is dropped rather than refused.
    private static func regionHint(_ text: String) -> String? {
        AWSRegionName.isValid(text) ? text : nil
    }

    private static func unquote(_ eTag: String) -> String {
        eTag.count >= 2 && eTag.hasPrefix("\"") && eTag.hasSuffix("\"") ? String(eTag.dropFirst().dropLast()) : eTag
    }

    private static func read(_ text: String) throws(NotificationParseError) -> JSONValue {
        do {
            return try JSONReader.read(text)
        } catch {
            throw NotificationParseError("not JSON (\(error))")
        }
    }

    // MARK: Wire shapes (every member optional: what is missing is reported, not crashed on; a
    // member of the wrong type is an error naming it)

    /// The members of `value` read by name; `null` counts as absent.
    struct Members {
        var value: JSONValue
        var path: String

        init(_ value: JSONValue?, path: String) throws(NotificationParseError) {
            guard let value, !value.isNull else {
                self.value = .object([])
                self.path = path
                return
            }
            guard case .object = value else {
                throw NotificationParseError(
                    "\(path.isEmpty ? "the body" : path) has the wrong type (\(value.typeName))")
            }
            self.value = value
            self.path = path
        }

        private func member(_ name: String) -> JSONValue? {
            guard let found = value[name], !found.isNull else { return nil }
            return found
        }

        private func named(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

        func string(_ name: String) throws(NotificationParseError) -> String? {
            guard let found = member(name) else { return nil }
            guard let text = found.stringValue else {
                throw NotificationParseError("\(named(name)) has the wrong type (\(found.typeName))")
            }
            return text
        }

        func integer(_ name: String) throws(NotificationParseError) -> Int64? {
            guard let found = member(name) else { return nil }
            guard let number = found.int64Value else {
                throw NotificationParseError(
                    "\(named(name)) has the wrong type (\(found.typeName), not a whole number)")
            }
            return number
        }

        func array(_ name: String) throws(NotificationParseError) -> [JSONValue]? {
            guard let found = member(name) else { return nil }
            guard let values = found.arrayValue else {
                throw NotificationParseError("\(named(name)) has the wrong type (\(found.typeName))")
            }
            return values
        }

        func object(_ name: String) throws(NotificationParseError) -> Members {
            try Members(member(name), path: named(name))
        }
    }

    struct Envelope {
        var records: [JSONValue]?
        var event: String?
        var type: String?
        var message: String?
        var topicArn: String?
        var detailType: String?
        var source: String?
        /// EventBridge: the account the event comes from, the bucket owner's for S3 events.
        var account: String?
        var region: String?
        var detail: EventBridgeDetail?

        init(_ value: JSONValue) throws(NotificationParseError) {
            let members = try Members(value, path: "")
            records = try members.array("Records")
            event = try members.string("Event")
            type = try members.string("Type")
            message = try members.string("Message")
            topicArn = try members.string("TopicArn")
            detailType = try members.string("detail-type")
            source = try members.string("source")
            account = try members.string("account")
            region = try members.string("region")
            if let found = value["detail"], !found.isNull { detail = try EventBridgeDetail(members.object("detail")) }
        }
    }

    struct Record {
        var eventName: String?
        var awsRegion: String?
        var eventTime: String?
        var principalId: String?
        var sourceIPAddress: String?
        var bucketName: String?
        var bucketOwner: String?
        var key: String?
        var size: Int64?
        var eTag: String?
        var versionId: String?
        var sequencer: String?

        init(_ value: JSONValue, path: String) throws(NotificationParseError) {
            let members = try Members(value, path: path)
            eventName = try members.string("eventName")
            awsRegion = try members.string("awsRegion")
            eventTime = try members.string("eventTime")
            principalId = try members.object("userIdentity").string("principalId")
            sourceIPAddress = try members.object("requestParameters").string("sourceIPAddress")
            let s3 = try members.object("s3")
            let bucket = try s3.object("bucket")
            bucketName = try bucket.string("name")
            bucketOwner = try bucket.object("ownerIdentity").string("principalId")
            let object = try s3.object("object")
            key = try object.string("key")
            size = try object.integer("size")
            eTag = try object.string("eTag")
            versionId = try object.string("versionId")
            sequencer = try object.string("sequencer")
        }
    }

    struct EventBridgeDetail {
        struct Object {
            var key: String?
            var size: Int64?
            var etag: String?
            var versionId: String?
            var sequencer: String?
        }
        var bucketName: String?
        var object: Object?
        var reason: String?
        var requester: String?
        var sourceIPAddress: String?

        init(_ members: Members) throws(NotificationParseError) {
            bucketName = try members.object("bucket").string("name")
            let object = try members.object("object")
            self.object = Object(
                key: try object.string("key"), size: try object.integer("size"), etag: try object.string("etag"),
                versionId: try object.string("version-id"), sequencer: try object.string("sequencer"))
            reason = try members.string("reason")
            requester = try members.string("requester")
            sourceIPAddress = try members.string("source-ip-address")
        }
    }
}
