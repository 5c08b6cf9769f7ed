import Foundation

/// What `HeadObject` tells about an object: every header EDAL scores or points to.
public struct S3ObjectHead: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var contentLength: Int64
    /// The ETag without quotes; `…-N` for multipart uploads.
    public var eTag: String
    public var lastModified: Date?
    public var contentType: String?
    public var contentEncoding: String?
    public var versionId: String?
    /// `STANDARD` when S3 sends no storage class header.
    public var storageClass: String
    /// User metadata: `x-amz-meta-NAME` headers, names lower-cased without the prefix.
    public var metadata: [String: String]
    /// Every response header, names lower-cased, for anything not modelled above.
    public var headers: [String: String]

    public init(
        bucket: String, key: String, contentLength: Int64, eTag: String, lastModified: Date? = nil,
        contentType: String? = nil, contentEncoding: String? = nil, versionId: String? = nil,
        storageClass: String = "STANDARD", metadata: [String: String] = [:], headers: [String: String] = [:]
    ) {
        self.bucket = bucket
        self.key = key
        self.contentLength = contentLength
        self.eTag = eTag
        self.lastModified = lastModified
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.versionId = versionId
        self.storageClass = storageClass
        self.metadata = metadata
        self.headers = headers
    }
}

/// What `PutObject` returns.
public struct S3PutObjectResult: Sendable, Equatable {
    public var eTag: String
    public var versionId: String?
}

/// One object in a listing. Keys from listings are exactly the stored keys: never URL-decode them.
public struct S3ListedObject: Sendable, Equatable {
    public var key: String
    public var lastModified: Date
    public var eTag: String
    public var size: Int64
    public var storageClass: String?
}

/// One page of `ListObjectsV2`.
public struct S3ListObjectsPage: Sendable, Equatable {
    public var objects: [S3ListedObject]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
    /// S3's clock when it answered (the response's `Date` header, whole seconds), when it sent one:
    /// what the sweep's watermark is measured in, not the worker's own clock.
    public var serverDate: Date? = nil
}

/// A bucket's notification configuration (queue targets only: what EDAL uses).
public struct S3NotificationConfiguration: Sendable, Equatable {
    public struct QueueConfiguration: Sendable, Equatable {
        public var id: String?
        public var queueArn: String
        /// e.g. `s3:ObjectCreated:*`.
        public var events: [String]
        public var prefix: String?
        public var suffix: String?

        public init(
            id: String? = nil, queueArn: String, events: [String] = ["s3:ObjectCreated:*"],
            prefix: String? = nil, suffix: String? = nil
        ) {
            self.id = id
            self.queueArn = queueArn
            self.events = events
            self.prefix = prefix
            self.suffix = suffix
        }
    }

    public var queueConfigurations: [QueueConfiguration]

    public init(queueConfigurations: [QueueConfiguration]) {
        self.queueConfigurations = queueConfigurations
    }

    /// The `NotificationConfiguration` document S3 reads.
    public var document: XMLNode {
        XMLNode(name: "NotificationConfiguration", children: queueConfigurations.map(\.node))
    }
}

extension S3NotificationConfiguration.QueueConfiguration {
    /// The `QueueConfiguration` element of this target.
    public var node: XMLNode {
        var children: [XMLNode] = []
        if let id { children.append(XMLNode(name: "Id", text: id)) }
        children.append(XMLNode(name: "Queue", text: queueArn))
        children += events.map { XMLNode(name: "Event", text: $0) }
        let rules = [("prefix", prefix), ("suffix", suffix)].compactMap { name, value in
            value.map {
                XMLNode(
                    name: "FilterRule", children: [XMLNode(name: "Name", text: name), XMLNode(name: "Value", text: $0)])
            }
        }
        if !rules.isEmpty {
            children.append(XMLNode(name: "Filter", children: [XMLNode(name: "S3Key", children: rules)]))
        }
        return XMLNode(name: "QueueConfiguration", children: children)
    }

    /// Whether `node` (a `QueueConfiguration` as S3 returns it) sends the same events of the same
    /// keys to the same queue.
    public func isSame(as node: XMLNode) -> Bool {
        guard node.name == "QueueConfiguration", node.text(of: "Queue") == queueArn,
            Set(node.children("Event").map(\.text)) == Set(events)
        else { return false }
        let rules = node.child("Filter")?.child("S3Key")?.children("FilterRule") ?? []
        let filter = Dictionary(
            rules.map { ($0.text(of: "Name")?.lowercased() ?? "", $0.text(of: "Value") ?? "") },
            uniquingKeysWith: { first, _ in first })
        return filter["prefix"] == prefix && filter["suffix"] == suffix
    }
}
