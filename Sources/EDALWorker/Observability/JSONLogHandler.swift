import EDALAWS
import Foundation
import Logging

/// Writes one JSON object per line to standard error, with a stable set of fields (ECS names, as
/// Filebeat and Elastic Agent expect): `@timestamp`, `log.level`, `log.logger`, `message`,
/// `service.name`, `service.version`, `process.pid`, then the entry's metadata as plain fields.
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
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged where fields[key] == nil {
            fields[key] = Self.plain(value)
        }
        guard
            var line = try? JSONSerialization.data(
                withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
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
