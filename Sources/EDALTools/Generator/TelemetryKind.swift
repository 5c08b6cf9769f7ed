/// The four kinds of telemetry EDAL scores, each with its own model.
public enum TelemetryKind: String, Sendable, Codable, CaseIterable, Comparable {
    case metrics
    case events
    case logs
    case traces

    /// The kind an object declares in its `kind` metadata, else the one its key starts with
    /// (`logs/…`, `traces/…`; singular forms too), else `nil`.
    public static func of(metadata: [String: String], key: String) -> TelemetryKind? {
        if let declared = metadata["kind"].flatMap(parse) { return declared }
        let first = key.split(separator: "/", maxSplits: 1).first.map(String.init) ?? key
        return parse(first)
    }

    static func parse(_ text: String) -> TelemetryKind? {
        switch text.lowercased() {
        case "metrics", "metric": return .metrics
        case "events", "event": return .events
        case "logs", "log": return .logs
        case "traces", "trace", "spans": return .traces
        default: return nil
        }
    }

    public static func < (lhs: TelemetryKind, rhs: TelemetryKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
