import EDALDetection

/// Which of an object's `x-amz-meta-*` entries a signal carries, and how much of each: user
/// metadata can hold tokens and personal data, and signals go to consumers the bucket's owner never
/// chose. The same policy applies wherever a metadata name or value reaches a signal — the evidence,
/// `service`, and the reasons (`apply(_: Finding)`) — and so the operator page, which shows the
/// signals published.
///
/// Names are matched case-insensitively against globs (`*` any run of characters). A name that
/// looks like a secret keeps its place with the value `[redacted]`, whatever the globs say; every
/// value is cut to `maximumValueBytes`, and at most `maximumEntries` entries are kept (S3 itself caps
/// user metadata at 2 KB, so a signal stays a few KiB).
public struct SignalMetadataPolicy: Sendable, Equatable {
    /// The names whose values go into signals; `["*"]` (the default) for all.
    public var included: [String]
    public static let secretNames = [
        "*token*", "*secret*", "*password*", "*passwd*", "*pwd*", "*key*", "*credential*", "authorization", "cookie",
        "*session*", "pin", "*-pin", "*_pin", "pin-*", "pin_*", "ssn", "*-ssn", "*_ssn",
    ]
    public static let redacted = "[redacted]"
    public static let maximumValueBytes = 256
    public static let maximumEntries = 32

    public init(included: [String] = ["*"]) {
        self.included = included.map { $0.lowercased() }
    }

    /// Whether signals leave the field `name` out altogether (no glob of `included` matches it).
    public func hides(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return !included.contains { Self.matches(lowered, glob: $0) }
    }

    /// Whether `name` looks like a secret: named, its value `[redacted]`.
    public static func masks(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretNames.contains { matches(lowered, glob: $0) }
    }

    /// `metadata` as a signal may carry it.
    public func apply(_ metadata: [String: String]) -> [String: String] {
        var kept: [String: String] = [:]
        for name in metadata.keys.sorted() where kept.count < Self.maximumEntries {
            guard !hides(name), let value = metadata[name] else { continue }
            kept[name] = shown(name, value)
        }
        return kept
    }

    /// The `service` metadata entry as a signal may carry it.
    public func service(_ metadata: [String: String]) -> String? {
        guard let value = metadata["service"], !hides("service") else { return nil }
        return shown("service", value)
    }

    /// `finding` as a signal may carry it: a metadata field the policy hides is not named, and the
    /// value of one it hides or masks is not given — not in `value`, `observed`, `expected` or
    /// `deviation`, and not in the sentence (rebuilt without it).
    public func apply(_ finding: Finding) -> Finding {
        guard let names = finding.metadataNames, names.contains(where: { hides($0) || Self.masks($0) }) else {
            return finding
        }
        var safe = finding
        safe.metadataNames = nil
        func label(_ name: String) -> String { hides(name) ? Self.redacted : name }
        switch finding.check {
        case .drift:
            let visible = (finding.value ?? "").split(separator: ",").map(String.init).filter { !hides($0) }.joined(
                separator: ",")
            safe.value = visible
            safe.detail =
                "\(finding.field ?? "metadata_fields") \"\(visible.prefix(120))\" never seen for this source (fields EDAL_SIGNAL_METADATA leaves out are not named)"
        case .isolationScore:
            if let field = finding.field, hides(field) || Self.masks(field) {
                safe.field = label(field)
                safe.value = nil
                safe.deviation = nil
            }
            safe.detail =
                String(format: "IsolationForest score %.3f ≥ %.2f", finding.observed ?? 0, finding.expected ?? 0)
                + "; furthest from usual: " + names.map(label).joined(separator: ", ")
        default:
            let field = finding.field.map(label) ?? Self.redacted
            safe.field = field
            safe.value = nil
            safe.observed = nil
            safe.expected = nil
            safe.deviation = nil
            safe.detail = "\(finding.check.rawValue) on metadata field \(field); its value is \(Self.redacted)"
        }
        return safe
    }

    /// `value` of the field `name` as a signal may show it: redacted or cut.
    private func shown(_ name: String, _ value: String) -> String {
        if Self.masks(name) { return Self.redacted }
        if value.utf8.count > Self.maximumValueBytes {
            return String(decoding: value.utf8.prefix(Self.maximumValueBytes), as: UTF8.self) + "…"
        }
        return value
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
