import Foundation

/// A bucket, optionally narrowed to a prefix, that EDAL sweeps and trains on: `bucket` or `bucket/prefix/`.
public struct WatchedLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String = "") {
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `bucket`, `bucket/prefix`, or `s3://bucket/prefix`.
    public init(parsing text: String, setting: String = "EDAL_WATCH") throws(SettingsError) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("s3://") { rest = rest.dropFirst(5) }
        let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bucket = parts.first, !bucket.isEmpty,
            bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." })
        else {
            throw SettingsError(
                setting: setting,
                problem: "\(text) is not bucket[/prefix] (bucket names are lower-case letters, digits, - and .)")
        }
        self.bucket = String(bucket)
        self.prefix = parts.count > 1 ? String(parts[1]) : ""
    }

    /// Parses a comma-separated list.
    public static func parseList(_ text: String, setting: String = "EDAL_WATCH") throws(SettingsError)
        -> [WatchedLocation]
    {
        var locations: [WatchedLocation] = []
        for item in text.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            locations.append(try WatchedLocation(parsing: String(item), setting: setting))
        }
        return locations
    }

    public var description: String { prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)" }
}
