import Foundation

/// What an object's key says about where it comes from: the source template and the key's own time.
public struct SourceKey: Sendable, Equatable {
    /// The key with every per-object part replaced by a placeholder: `%Y %m %d %H %M %S` for the
    /// parts of a timestamp, `{uuid}`, `{hex}`, `{id}` (random tokens), `{n}` (sequence numbers),
    /// `{ip}`, `{epoch}` and `{epoch_ms}`. Account ids, regions and names stay as they are.
    public var template: String
    /// The producer whose documented layout the key follows (`cloudtrail`, `alb`, `firehose`, …);
    /// `nil` for a layout learnt from the key alone; the configured name for a configured source.
    public var producer: String?
    /// The time the key itself carries (UTC), at the precision the key has; `nil` without one.
    public var embeddedTime: Date?

    public init(template: String, producer: String? = nil, embeddedTime: Date? = nil) {
        self.template = template
        self.producer = producer
        self.embeddedTime = embeddedTime
    }
}
