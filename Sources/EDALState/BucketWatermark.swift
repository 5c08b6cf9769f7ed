import Foundation

/// How far the sweep has got in one bucket and prefix: the newest LastModified it has processed.
public struct BucketWatermark: Sendable, Equatable {
    public var bucket: String
    public var prefix: String
    public var watermark: Date

    public init(bucket: String, prefix: String, watermark: Date) {
        self.bucket = bucket
        self.prefix = prefix
        self.watermark = watermark
    }

    /// The store's key: bucket names cannot contain `/`.
    static func id(bucket: String, prefix: String) -> String { "\(bucket)/\(prefix)" }
}
