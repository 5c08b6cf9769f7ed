/// Which of an object's `x-amz-meta-*` entries a signal's evidence carries, and how much of each:
/// user metadata can hold tokens and personal data, and signals go to consumers the bucket's owner
/// never chose.
///
/// Names are matched case-insensitively against globs (`*` any run of characters). A name that
/// looks like a secret keeps its place with the value `[redacted]`, whatever the globs say; every
/// value is cut to `maximumValueBytes`, and at most `maximumEntries` entries are kept (S3 itself caps
/// user metadata at 2 KB, so a signal stays a few KiB).
public struct SignalMetadataPolicy: Sendable, Equatable {
    /// The names whose values go into signals; `["*"]` (the default) for all.
    public var included: [String]
    public static let secretNames = ["*token*", "*secret*", "*password*", "*passwd*", "*key*", "*credential*", "authorization", "cookie", "*session*"]
    public static let redacted = "[redacted]"
    public static let maximumValueBytes = 256
    public static let maximumEntries = 32

    public init(included: [String] = ["*"]) {
        self.included = included.map { $0.lowercased() }
    }

    /// `metadata` as a signal may carry it.
    public func apply(_ metadata: [String: String]) -> [String: String] {
        var kept: [String: String] = [:]
        for name in metadata.keys.sorted() where kept.count < Self.maximumEntries {
            let lowered = name.lowercased()
            guard included.contains(where: { Self.matches(lowered, glob: $0) }), let value = metadata[name] else { continue }
            if Self.secretNames.contains(where: { Self.matches(lowered, glob: $0) }) {
                kept[name] = Self.redacted
            } else if value.utf8.count > Self.maximumValueBytes {
                kept[name] = String(decoding: value.utf8.prefix(Self.maximumValueBytes), as: UTF8.self) + "…"
            } else {
                kept[name] = value
            }
        }
        return kept
    }

    /// Whether `name` matches `glob` (`*` matches any run of characters, including none).
    static func matches(_ name: String, glob: String) -> Bool {
        let parts = glob.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return name == glob }
        var rest = Substring(name)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        let last = parts[parts.count - 1]
        return last.isEmpty || rest.hasSuffix(last)
    }
}
