import Foundation

/// How far the sweep of each watched location has got: the latest LastModified it has seen done.
public protocol WatermarkStore: Sendable {
    /// The sweep watermark of `bucket`/`prefix`, if one was ever recorded.
    func watermark(bucket: String, prefix: String) async throws -> Date?

    /// Moves the watermark to `date` unless it is already later; returns the watermark now stored.
    func advanceWatermark(bucket: String, prefix: String, to date: Date) async throws -> Date
}
