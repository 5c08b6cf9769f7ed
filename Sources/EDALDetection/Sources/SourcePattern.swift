import Foundation

/// A source named in configuration: `name=glob`, where `*` matches within one key segment and `**`
/// across segments, e.g. `payments-audit=audit/*/payments/**`.
///
/// Read from `EDAL_SOURCES` (entries separated by `;` or new lines) where the learnt template is wrong:
/// every key the glob matches belongs to the source `name`.
public struct SourcePattern: Sendable, Equatable, CustomStringConvertible {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var entry: String
        public var description: String {
            "cannot read the source \"\(entry)\": write name=glob, e.g. \"payments-audit=audit/*/payments/**\" (* within a segment, ** across segments)"
        }
    }

    public var name: String
    public var glob: String
    private let parts: [Part]

    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case segmentWildcard
        case anyWildcard
    }

    public init(name: String, glob: String) {
        self.name = name
        self.glob = glob
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(glob.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") {
                if !literal.isEmpty {
                    parts.append(.literal(literal))
                    literal = []
                }
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                    parts.append(.anyWildcard)
                    index += 2
                } else {
                    parts.append(.segmentWildcard)
                    index += 1
                }
            } else {
                literal.append(bytes[index])
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// Reads `name=glob` entries separated by `;` or new lines.
    public static func parseList(_ text: String) throws(ParseError) -> [SourcePattern] {
        var patterns: [SourcePattern] = []
        for entry in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else { throw ParseError(entry: String(entry)) }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let glob = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !glob.isEmpty else { throw ParseError(entry: String(entry)) }
            patterns.append(SourcePattern(name: name, glob: glob))
        }
        return patterns
    }

    /// Whether `key` matches the whole glob.
    public func matches(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        return match(bytes, 0, 0)
    }

    private func match(_ key: [UInt8], _ position: Int, _ part: Int) -> Bool {
        guard part < parts.count else { return position == key.count }
        switch parts[part] {
        case .literal(let literal):
            guard position + literal.count <= key.count, key[position..<position + literal.count].elementsEqual(literal)
            else { return false }
            return match(key, position + literal.count, part + 1)
        case .segmentWildcard:
            var end = position
            while true {
                if match(key, end, part + 1) { return true }
                guard end < key.count, key[end] != UInt8(ascii: "/") else { return false }
                end += 1
            }
        case .anyWildcard:
            for end in position...key.count where match(key, end, part + 1) { return true }
            return false
        }
    }

    public var description: String { "\(name)=\(glob)" }
}
