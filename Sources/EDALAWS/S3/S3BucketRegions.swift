import NIOConcurrencyHelpers

/// The region each bucket is in, as S3 has shown it: a bucket in another region than the worker's
/// must be signed for its own region (and, on AWS, sent to that region's endpoint), or S3 answers
/// `301 PermanentRedirect` / `400 AuthorizationHeaderMalformed`.
///
/// Only S3's own answers are kept: a request that succeeded in a region, `HeadBucket`'s
/// `x-amz-bucket-region`, or the region an error names. A notification's `awsRegion` is tried
/// first for a bucket not known yet, but kept only once S3 accepts a request signed for it, so a
/// forged notification cannot misdirect later requests.
public final class S3BucketRegions: Sendable {
    private let regions = NIOLockedValueBox([String: String]())
    /// Buckets remembered at most (an allow-list keeps the real number small; this bounds abuse).
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The bucket's region, when S3 has shown it.
    public func region(of bucket: String) -> String? {
        regions.withLockedValue { $0[bucket] }
    }

    /// Remembers that S3 placed `bucket` in `region`.
    public func learn(_ bucket: String, region: String) {
        guard AWSRegionName.isValid(region) else { return }
        regions.withLockedValue { regions in
            if regions[bucket] == region { return }
            if regions.count >= capacity { regions.removeAll(keepingCapacity: true) }
            regions[bucket] = region
        }
    }

    /// Every bucket with its region, for `edal config` and the operator page.
    public var known: [String: String] { regions.withLockedValue { $0 } }
}
