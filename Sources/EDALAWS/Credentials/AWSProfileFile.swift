import Foundation

/// The shared AWS configuration files, `~/.aws/credentials` and `~/.aws/config`, parsed as the SDKs do.
///
/// In the credentials file a section is named after its profile (`[default]`, `[ci]`); in the config
/// file every profile but `default` carries the `profile ` prefix (`[profile ci]`). Keys are
/// case-insensitive; `#` and `;` start comments; indented lines continue sub-sections, which are
/// skipped here.
public struct AWSProfileFile: Sendable, Equatable {
    /// Profile name → key → value.
    public private(set) var profiles: [String: [String: String]]

    public init(profiles: [String: [String: String]] = [:]) {
        self.profiles = profiles
    }

    /// Parses `text`; `isConfigFile` selects the `[profile NAME]` section naming of `~/.aws/config`.
    public init(parsing text: String, isConfigFile: Bool) {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let isIndented = rawLine.first == " " || rawLine.first == "\t"
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else {
                    current = nil
                    continue
                }
                var name = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                if isConfigFile {
                    if name.hasPrefix("profile ") || name.hasPrefix("profile\t") {
                        name = String(name.dropFirst("profile".count)).trimmingCharacters(in: .whitespaces)
                    } else if name != "default" {
                        current = nil  // e.g. [sso-session x] or [services x]
                        continue
                    }
                }
                current = name
                if profiles[name] == nil { profiles[name] = [:] }
                continue
            }
            guard let profile = current, !isIndented, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let comment = value.range(of: " #") ?? value.range(of: " ;") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty { profiles[profile, default: [:]][key] = value }
        }
        self.profiles = profiles
    }

    /// The value of `key` in `profile`, if set and not empty.
    public func value(_ key: String, profile: String) -> String? {
        guard let value = profiles[profile]?[key.lowercased()], !value.isEmpty else { return nil }
        return value
    }
}
