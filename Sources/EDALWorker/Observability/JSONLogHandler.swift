import EDALAWS
import Foundation
import Logging

/// Writes one JSON object per line to standard error in Elastic Common Schema (ECS), as Filebeat,
/// Elastic Agent and most log pipelines expect: `@timestamp`, `log.level`, `log.logger`, `message`,
/// `ecs.version`, `service.name`, `service.version`, `process.pid`; an error as `error.message` and
/// `error.type`; an object's bucket and key as `aws.s3.bucket.name` and `aws.s3.object.key` (the
/// fields of Filebeat's AWS module); the current span's `trace.id` and `span.id` when traces are
/// exported (`TraceLogMetadata`); every other metadata field under EDAL's own `edal.` namespace,
/// as ECS asks of custom fields.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [
            "@timestamp": HTTPDate.formatISO8601(Date()),
            "log.level": event.level.rawValue,
            "log.logger": label,
            "message": event.message.description,
            "service.name": "edal",
            "service.version": EDALVersion.current,
            "process.pid": Int(ProcessInfo.processInfo.processIdentifier),
            "ecs.version": Self.ecsVersion,
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged {
            switch key {
            case "error": fields["error"] = Self.errorObject(value)
            case "bucket": fields["aws.s3.bucket.name"] = value.description
            case "key": fields["aws.s3.object.key"] = value.description
            case "trace.id", "span.id": fields[key] = value.description
            default: fields["edal." + key] = Self.plain(value)
            }
        }
        guard
            var line = try? JSONSerialization.data(
                withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }

    /// The ECS version the fields follow.
    public static let ecsVersion = "8.11.0"

    /// `error.message` and `error.type` from `.error(_:)` metadata; a plain text as the message.
    private static func errorObject(_ value: Logger.MetadataValue) -> [String: Any] {
        guard case .dictionary(let parts) = value else { return ["message": value.description] }
        var object: [String: Any] = ["message": parts["message"]?.description ?? value.description]
        if let type = parts["type"] { object["type"] = type.description }
        return object
    }

    private static func plain(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(plain)
        case .dictionary(let values): return values.mapValues(plain)
        }
    }
}
