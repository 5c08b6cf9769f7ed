import Foundation

/// What EDAL publishes about one object: the verdict, why, and where the evidence is.
///
/// Serialised as JSON with snake_case members (schema `edal.signal/1`, documented in the README).
/// `signalId` depends only on bucket, key and ETag, so a consumer can drop duplicates too.
public struct Signal: Sendable, Codable, Equatable {
    public static let schemaVersion = "edal.signal/1"

    /// The model and settings that judged the object.
    public struct DetectorInfo: Sendable, Codable, Equatable {
        public var mode: Detector.Mode
        public var modelVersion: Int64?
        public var trainedAt: Date?

        enum CodingKeys: String, CodingKey {
            case mode, modelVersion = "model_version", trainedAt = "trained_at"
        }
    }

    /// Where to find the object this signal is about, without EDAL ever having read it.
    public struct Evidence: Sendable, Codable, Equatable {
        /// `s3://bucket/key`, the key as stored (not encoded).
        public var uri: String
        public var bucket: String
        public var key: String
        public var versionId: String?
        public var eTag: String
        public var size: Int64
        public var lastModified: Date?
        public var contentType: String?
        public var contentEncoding: String?
        public var storageClass: String
        /// The user metadata (`x-amz-meta-*`, names without the prefix) the verdict was drawn from.
        public var metadata: [String: String]

        enum CodingKeys: String, CodingKey {
            case uri, bucket, key, versionId = "version_id", eTag = "etag", size, lastModified = "last_modified"
            case contentType = "content_type", contentEncoding = "content_encoding", storageClass = "storage_class", metadata
        }
    }

    /// How EDAL learnt of the object.
    public struct Origin: Sendable, Codable, Equatable {
        /// `notification`, `sweep` or `replay`.
        public var via: String
        public var eventName: String?
        public var eventTime: Date?
        public var sequencer: String?

        enum CodingKeys: String, CodingKey {
            case via, eventName = "event_name", eventTime = "event_time", sequencer
        }
    }

    public var schema: String = Signal.schemaVersion
    public var signalId: String
    public var emittedAt: Date
    public var anomalous: Bool
    public var kind: TelemetryKind?
    public var service: String?
    public var score: Double?
    public var threshold: Double
    public var reasons: [DetectionReason]
    public var detector: DetectorInfo
    public var evidence: Evidence
    public var origin: Origin
    /// The EDAL version and the worker that published it.
    public var producer: String

    enum CodingKeys: String, CodingKey {
        case schema, signalId = "signal_id", emittedAt = "emitted_at", anomalous, kind, service, score, threshold
        case reasons, detector, evidence, origin, producer
    }

    /// The Kinesis partition key: one service's signals share a shard and so stay in order.
    public var partitionKey: String {
        let key = "\(evidence.bucket)/\(service ?? kind?.rawValue ?? "-")"
        return key.utf8.count <= 256 ? key : String(decoding: key.utf8.prefix(256), as: UTF8.self)
    }

    /// The signal as one JSON document.
    public func encoded() throws -> Data {
        try Signal.encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> Signal {
        try decoder.decode(Signal.self, from: data)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
