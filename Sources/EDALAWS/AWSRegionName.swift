/// What an AWS region name looks like.
public enum AWSRegionName {
    /// `true` for a name shaped like an AWS region (`us-east-1`, `us-gov-west-1`, `eu-central-2`):
    /// lower-case words and a number, joined by hyphens. A region becomes part of a host name, so
    /// anything else (from a notification, or an error answer) is never used.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (2...6).contains(parts.count), text.utf8.count <= 32, let last = parts.last,
            !last.isEmpty, last.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 })
        else { return false }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
        }
    }
}
