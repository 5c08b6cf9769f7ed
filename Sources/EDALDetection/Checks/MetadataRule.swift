import Foundation

/// A threshold on one metadata field, from configuration: `error-rate > 0.05`, optionally for the
/// objects of one kind: `logs:severity-fatal >= 1` (the object's `kind` metadata or the first
/// segment of its key). `size` is the object's size in bytes.
public struct MetadataRule: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
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
        public var description: String {
            "cannot read the rule \"\(rule)\": write [kind:]field OP number, e.g. \"logs:error-rate > 0.05\" (OP: > >= < <= == !=)"
        }
    }

    /// The kind it applies to (`logs`, …); `nil` for every object.
    public var kind: String?
    /// A metadata field (without `x-amz-meta-`), or `size`.
    public var field: String
    public var comparison: Comparison
    public var limit: Double

    public init(kind: String? = nil, field: String, comparison: Comparison, limit: Double) {
        self.kind = kind
        self.field = field
        self.comparison = comparison
        self.limit = limit
    }

    /// Reads `[kind:]field OP number`.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Two-character operators first, so ">=" is not read as ">".
        guard let comparison = Comparison.allCases.first(where: { trimmed.contains($0.rawValue) }),
            let range = trimmed.range(of: comparison.rawValue)
        else { throw ParseError(rule: text) }
        var subject = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        guard let limit = Double(trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)), limit.isFinite
        else {
            throw ParseError(rule: text)
        }
        var kind: String?
        if let colon = subject.firstIndex(of: ":") {
            let name = subject[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { throw ParseError(rule: text) }
            kind = name
            subject = subject[subject.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard !subject.isEmpty, !subject.contains(" ") else { throw ParseError(rule: text) }
        self.init(kind: kind, field: subject.lowercased(), comparison: comparison, limit: limit)
    }

    /// Reads rules separated by `;` or new lines (empty entries ignored).
    public static func parseList(_ text: String) throws(ParseError) -> [MetadataRule] {
        var rules: [MetadataRule] = []
        for entry in text.split(whereSeparator: { $0 == ";" || $0 == "\n" })
        where !entry.trimmingCharacters(in: .whitespaces).isEmpty {
            rules.append(try MetadataRule(parsing: String(entry)))
        }
        return rules
    }

    /// The finding when the rule fires on `observation`, else `nil`.
    public func finding(_ observation: ObjectObservation) -> Finding? {
        if let kind {
            let declared = observation.metadata["kind"]?.lowercased()
            let first = observation.key.split(separator: "/", maxSplits: 1).first.map { $0.lowercased() }
            guard declared == kind || first == kind else { return nil }
        }
        let value =
            field == "size" || field == "content-length"
            ? Double(observation.size)
            : observation.metadata[field].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard let value, value.isFinite, comparison.holds(value, limit) else { return nil }
        return Finding(
            check: .rule, field: field, observed: value, expected: limit, detail: "rule \(self) fired",
            metadataNames: field == "size" || field == "content-length" ? nil : [field])
    }

    public var description: String {
        "\(kind.map { "\($0):" } ?? "")\(field) \(comparison.rawValue) \(SourceDetector.format(limit))"
    }
}
