import EDALDetection
import Foundation

/// One source as a person reads it, from its baseline: what `edal sources` prints and the operator
/// page lists (and `/api/sources` answers).
public struct SourceSummary: Sendable, Codable, Equatable {
    public struct Point: Sendable, Codable, Equatable {
        public var at: Date
        public var size: Int64
    }
    public var id: String
    public var bucket: String
    public var template: String
    public var producer: String?
    /// `learning`, `normal` or `silent`.
    public var state: String
    public var silentSince: Date?
    public var objects: Int64
    public var cadenceSeconds: Double?
    public var medianSize: Double?
    public var medianLagSeconds: Double?
    public var lastObjectKey: String?
    public var lastObjectAt: Date?
    /// The newest arrivals (LastModified, size), oldest first.
    public var recent: [Point]
    /// LastModified of the recent objects signalled as anomalous (filled by the operator page).
    public var anomalies: [Date] = []
}

extension SourceSummary {
    /// The summary of `baseline`, with its newest `recentPoints` arrivals.
    public init(_ baseline: SourceBaseline, recentPoints: Int = 0) {
        let profile = SourceProfile(baseline, trainModel: false)
        id = baseline.id
        bucket = baseline.bucket
        template = baseline.template
        producer = baseline.producer
        state = baseline.state.rawValue
        silentSince = baseline.silentSince
        objects = baseline.objectCount
        cadenceSeconds = profile.cadence
        medianSize = profile.medianSize
        medianLagSeconds = profile.lag?.median
        lastObjectKey = baseline.lastObject?.key
        lastObjectAt = baseline.lastObject?.lastModified
        recent = baseline.recent.suffix(max(0, recentPoints)).map {
            Point(at: Date(timeIntervalSince1970: $0.time), size: $0.size)
        }
    }
}
