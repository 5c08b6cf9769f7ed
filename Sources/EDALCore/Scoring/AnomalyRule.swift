import EDALDetection
/// A threshold on one metadata field, from configuration: `error-rate > 0.05`, optionally for one
/// kind: `logs:severity-fatal >= 1`.
public struct AnomalyRule: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case notEqual = "!="
        case greater = ">"
        case less = "<"
        case equal = "=="

        func holds(_ value: Double, _ limit: Double) -> Bool {
            switch self {
            case .greater: return value > limit
            case .greaterOrEqual: return value >= limit
            case .less: return value < limit
            case .lessOrEqual: return value <= limit
            case .equal: return value == limit
            case .notEqual: return value != limit
            }
        }
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var rule: String
        public var description: String { "cannot read the rule \"\(rule)\": write [kind:]field OP number, e.g. \"logs:error-rate > 0.05\" (OP: > >= < <= == !=)" }
    }

    /// The kind it applies to; `nil` for every kind.
    public var kind: TelemetryKind?
    /// A metadata field (without `x-amz-meta-`) or `content-length`.
    public var field: String
    public var comparison: Comparison
    public var limit: Double

    public init(kind: TelemetryKind? = nil, field: String, comparison: Comparison, limit: Double) {
        self.kind = kind
        self.field = field
        self.comparison = comparison
        self.limit = limit
    }

    /// Reads `[kind:]field OP number`.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = String(text.trimmingWhitespace)
        // Two-character operators first, so ">=" is not read as ">".
        guard let comparison = Comparison.allCases.first(where: { trimmed.contains($0.rawValue) }),
              let range = trimmed.range(of: comparison.rawValue) else { throw ParseError(rule: text) }
        var subject = String(trimmed[..<range.lowerBound].trimmingWhitespace)
        guard let limit = Double(trimmed[range.upperBound...].trimmingWhitespace), limit.isFinite else { throw ParseError(rule: text) }
        var kind: TelemetryKind?
        if let colon = subject.firstIndex(of: ":") {
            guard let parsed = TelemetryKind.parse(String(subject[..<colon])) else { throw ParseError(rule: text) }
            kind = parsed
            subject = String(subject[subject.index(after: colon)...].trimmingWhitespace)
        }
        guard !subject.isEmpty, !subject.contains(where: { $0 == " " }) else { throw ParseError(rule: text) }
        self.init(kind: kind, field: subject.lowercased(), comparison: comparison, limit: limit)
    }

    /// Reads rules separated by `;` or new lines (empty entries ignored).
    public static func parseList(_ text: String) throws(ParseError) -> [AnomalyRule] {
        var rules: [AnomalyRule] = []
        for entry in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) where !entry.trimmingWhitespace.isEmpty {
            rules.append(try AnomalyRule(parsing: String(entry)))
        }
        return rules
    }

    /// The field's value when the rule fires on this object, else `nil`.
    public func firingValue(kind objectKind: TelemetryKind?, metadata: [String: String], contentLength: Int64) -> Double? {
        if let kind, kind != objectKind { return nil }
        let value = field == "content-length" ? Double(contentLength) : metadata[field].flatMap { Double($0.trimmingWhitespace) }
        guard let value, value.isFinite, comparison.holds(value, limit) else { return nil }
        return value
    }

    public var description: String {
        "\(kind.map { "\($0.rawValue):" } ?? "")\(field) \(comparison.rawValue) \(limit)"
    }
}
