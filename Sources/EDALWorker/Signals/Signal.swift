import EDALDetection
import Foundation

/// What EDAL publishes: the verdict on one object, or an event of one source (it appeared, went
/// silent, resumed, burst), with why and where the evidence is.
///
/// Serialised as JSON with snake_case members (schema `edal.signal/1`, documented in docs/worker.md).
/// Its members are its own types, filled from the detection module's findings, so a change in
/// scoring cannot change the wire format by accident (`SignalSchemaTests` holds a golden file).
public struct Signal: Sendable, Codable, Equatable {
    public static let schemaVersion = "edal.signal/1"

    /// What gets published: anomalies and source events only, or every object with its verdict.
    public enum Mode: String, Sendable, Codable, Equatable {
        case anomalies
        case continuous
    }

    /// The source the signal is about.
    public struct Source: Sendable, Codable, Equatable {
        /// `bucket/template`.
        public var id: String
        /// The key template: per-object parts replaced by `%Y %m %d %H %M %S {uuid} {hex} {id} {n} {ip} {epoch}`.
        public var template: String
        /// The producer whose documented layout the keys follow (`cloudtrail`, `alb`, …), if any.
        public var producer: String?
        /// `learning`, `normal` or `silent`.
        public var state: String
    }

    /// One check that fired.
    public struct Reason: Sendable, Codable, Equatable {
        /// The check's name, e.g. `size_blow_up`, `drift`, `silent_source` (docs/worker.md, "Signals").
        public var check: String
        public var field: String?
        public var value: String?
        public var observed: Double?
        /// The baseline's median or expected value, in the unit of `observed`.
        public var expected: Double?
        /// Distance from `expected` in baseline spreads, where that means something.
        public var deviation: Double?
        public var detail: String
    }

    /// The baseline the object or source was compared with.
    public struct Baseline: Sendable, Codable, Equatable {
        public var objects: Int64
        public var recent: Int
        public var cadenceSeconds: Double?
        public var medianSize: Double?
        public var medianLagSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case objects, recent
            case cadenceSeconds = "cadence_seconds"
            case medianSize = "median_size"
            case medianLagSeconds = "median_lag_seconds"
        }
    }

    /// The settings that judged it.
    public struct DetectorInfo: Sendable, Codable, Equatable {
        public var mode: Mode
    }

    /// Where to find the object this signal is about (for a source event, the source's last
    /// object), without EDAL ever having read it.
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
        public var storageClass: String?
        /// The user metadata (`x-amz-meta-*`, names without the prefix) the verdict was drawn from.
        public var metadata: [String: String]

        enum CodingKeys: String, CodingKey {
            case uri, bucket, key
            case versionId = "version_id"
            case eTag = "etag"
            case size
            case lastModified = "last_modified"
            case contentType = "content_type"
            case contentEncoding = "content_encoding"
            case storageClass = "storage_class"
            case metadata
        }
    }

    /// How EDAL learnt of the object.
    public struct Origin: Sendable, Codable, Equatable {
        /// `notification`, `sweep`, `replay`, or `source_check` (the periodic silence check).
        public var via: String
        public var eventName: String?
        public var eventTime: Date?
        public var sequencer: String?

        enum CodingKeys: String, CodingKey {
            case via
            case eventName = "event_name"
            case eventTime = "event_time"
            case sequencer
        }
    }

    public var schema: String = Signal.schemaVersion
    public var signalId: String
    public var emittedAt: Date
    /// `false` only in continuous mode, for an object no check fired on.
    public var anomalous: Bool
    /// The first check that fired (`none` when nothing did, in continuous mode).
    public var check: String
    public var source: Source
    /// The object's `service` metadata, where a shipper writes one.
    public var service: String?
    /// The IsolationForest score, when the source's model scored the object as an outlier.
    public var score: Double?
    public var reasons: [Reason]
    public var baseline: Baseline
    public var detector: DetectorInfo
    public var evidence: Evidence
    public var origin: Origin
    /// The EDAL version and the worker that published it.
    public var producer: String
    /// The trace of the work that published it (W3C trace id, 32 hex digits), when EDAL exports
    /// traces: the signal leads to its spans.
    public var traceId: String?

    enum CodingKeys: String, CodingKey {
        case schema
        case signalId = "signal_id"
        case emittedAt = "emitted_at"
        case anomalous, check, source, service, score
        case reasons, baseline, detector, evidence, origin, producer
        case traceId = "trace_id"
    }

    /// The Kinesis partition key: one source's signals share a shard, so a consumer reading one
    /// shard sees them in the order they were published (not necessarily the objects' order).
    public var partitionKey: String {
        let key = source.id
        return key.utf8.count <= 256 ? key : String(decoding: key.utf8.prefix(256), as: UTF8.self)
    }

    /// Whether the signal is about a source as a whole (new, silent, resumed, burst) rather than one object.
    public var isSourceEvent: Bool { SourceCheck(rawValue: check)?.isSourceEvent ?? false }

    /// The largest signal EDAL publishes, encoded: 64 KiB (Kinesis takes 1 MiB a record, SQS 256 KiB
    /// a message). A signal that would be larger — keys of 1,024 escaped bytes in four places, long
    /// metadata, many reasons — loses its evidence metadata and keeps 4 reasons with their field, value
    /// and detail cut to 128 bytes; the rest of the schema is already bounded.
    public static let maximumEncodedBytes = 64 * 1024

    /// The signal as one JSON document, at most `maximumEncodedBytes`.
    public func encoded() throws -> Data {
        let data = try Signal.encoder.encode(self)
        guard data.count > Self.maximumEncodedBytes else { return data }
        return try Signal.encoder.encode(trimmed())
    }

    /// This signal without its evidence metadata and with at most 4 reasons, their text cut.
    func trimmed() -> Signal {
        func cut(_ text: String) -> String {
            text.utf8.count <= 128 ? text : String(decoding: text.utf8.prefix(128), as: UTF8.self) + "…"
        }
        var signal = self
        signal.evidence.metadata = [:]
        signal.reasons = reasons.prefix(4).map { reason in
            var reason = reason
            reason.value = reason.value.map(cut)
            reason.field = reason.field.map(cut)
            reason.detail = cut(reason.detail)
            return reason
        }
        return signal
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
