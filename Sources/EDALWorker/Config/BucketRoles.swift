/// `EDAL_BUCKET_ROLES`: the IAM role each bucket's calls are made with, so one fleet reads buckets
/// in several accounts (each account's log-archive bucket readable by a role there that trusts the
/// fleet's own role). Buckets not listed use the fleet's own credentials.
public struct BucketRoles: Sendable, Equatable {
    /// Bucket → role ARN.
    public var roles: [String: String]

    public init(_ roles: [String: String] = [:]) {
        self.roles = roles
    }

    /// Reads `bucket=arn:aws:iam::123456789012:role/name` pairs, comma-separated; a failure names the
    /// pair that is not one.
    public static func parse(_ text: String) -> Result<BucketRoles, SettingsError> {
        var roles: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                return .failure(
                    SettingsError(setting: "EDAL_BUCKET_ROLES", problem: "\(pair) is not bucket=role-ARN"))
            }
            guard isRoleARN(parts[1]) else {
                return .failure(
                    SettingsError(
                        setting: "EDAL_BUCKET_ROLES",
                        problem: "\(pair): \(parts[1]) is not an IAM role ARN (arn:aws:iam::123456789012:role/name)"))
            }
            roles[parts[0]] = parts[1]
        }
        return .success(BucketRoles(roles))
    }

    /// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
    static func isRoleARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        return parts.count == 6 && parts[0] == "arn" && parts[1].hasPrefix("aws") && parts[2] == "iam"
            && parts[3].isEmpty && parts[4].utf8.count == 12 && parts[4].utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            && parts[5].hasPrefix("role/") && parts[5].utf8.count > 5
    }
}
