/// The AWS account each bucket must belong to, sent as `x-amz-expected-bucket-owner` so S3 refuses
/// (403) a request to a bucket that changed hands instead of answering from someone else's bucket.
public struct S3ExpectedBucketOwners: Sendable, Equatable {
    /// The account of every bucket not named in `byBucket`; `nil`: no expectation.
    public var allBuckets: String?
    public var byBucket: [String: String]

    public init(allBuckets: String? = nil, byBucket: [String: String] = [:]) {
        self.allBuckets = allBuckets
        self.byBucket = byBucket
    }

    /// No bucket has an expected owner.
    public static let none = S3ExpectedBucketOwners()

    /// The account `bucket` must belong to, if one is expected.
    public func owner(of bucket: String) -> String? {
        byBucket[bucket] ?? allBuckets
    }

    /// Parses `123456789012` (every bucket) or `bucket=123456789012,other=210987654321` (either
    /// form may be combined: a bare id is the default); `nil` when an account id is not 12 digits.
    public init?(parsing text: String) {
        var allBuckets: String?
        var byBucket: [String: String] = [:]
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let account = parts.last ?? ""
            guard account.count == 12, account.allSatisfy(\.isNumber) else { return nil }
            if parts.count == 2 { byBucket[parts[0]] = account } else { allBuckets = account }
        }
        self.init(allBuckets: allBuckets, byBucket: byBucket)
    }
}
