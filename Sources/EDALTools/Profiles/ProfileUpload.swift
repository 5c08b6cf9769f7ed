import EDALAWS
import EDALDetection
import EDALWorker
import Foundation

/// Uploads a producer profile's objects to a real bucket (LocalStack, or S3), in time order and a
/// bounded number at a time, ending now; the ground truth goes to a manifest.
///
/// Only what an upload can carry is labelled: sizes, content types and summary metadata. The
/// writer, the encryption, delivery lag and silence cannot be shaped by one uploader in real time,
/// so those incidents are measured by `edal evaluate`, not here.
public struct ProfileUpload: Sendable {
    public static let uploadable: Set<IncidentKind> = [
        .sizeBlowUp, .nearEmpty, .contentTypeChange, .valueEpisode, .errorBurst, .latencySpike, .unseenSeverity,
    ]

    public var profile: ProducerProfile
    public var seed: UInt64
    public var sources: Int
    public var s3: S3Client
    public var bucket: String
    public var concurrency: Int

    public init(
        profile: ProducerProfile, seed: UInt64, sources: Int, s3: S3Client, bucket: String, concurrency: Int = 16
    ) {
        self.profile = profile
        self.seed = seed
        self.sources = max(1, sources)
        self.s3 = s3
        self.bucket = bucket
        self.concurrency = max(1, concurrency)
    }

    /// The scenario whose first `objects` objects end about now: half learning, half with incidents.
    public func scenario(objects: Int, now: Date = Date()) -> ProducerScenario {
        let perSourcePerHour = profile == .vpcflow ? 6.0 : (profile == .alb ? 24.0 : 12.0)
        let hours = max(4, Double(objects) / (Double(sources) * perSourcePerHour))
        let half = hours * 1800
        return ProducerScenario(
            profile: profile, seed: seed, bucket: bucket, sources: sources, warmUp: half, day: half,
            incidentsPerKind: 2, start: now.addingTimeInterval(-2 * half))
    }

    public func run(objects count: Int, manifest: URL, progress: @Sendable (Int, Int) -> Void = { _, _ in })
        async throws -> SyntheticUpload.Summary
    {
        let started = Date()
        let objects = Array(scenario(objects: count).generate().objects.prefix(count))
        var entries = [SyntheticUpload.ManifestEntry?](repeating: nil, count: objects.count)
        var done = 0
        var bytes = 0
        try await forEachConcurrently(
            count: objects.count, limit: concurrency,
            { [s3, bucket] index in
                let object = objects[index].observation
                let incident = objects[index].incident.flatMap { Self.uploadable.contains($0) ? $0 : nil }
                _ = try await s3.putObject(
                    bucket: bucket, key: object.key, body: Self.body(size: Int(object.size), seed: UInt64(index)),
                    contentType: object.contentType, contentEncoding: object.contentEncoding, metadata: object.metadata)
                return SyntheticUpload.ManifestEntry(
                    key: object.key, size: Int(object.size), anomalous: incident != nil, incident: incident?.rawValue)
            },
            onResult: { index, entry in
                entries[index] = entry
                done += 1
                bytes += entry.size
                progress(done, bytes)
            })
        let written = entries.compactMap { $0 }
        try SyntheticUpload.writeManifest(written, to: manifest)
        return SyntheticUpload.Summary(
            objects: done, bytes: bytes, anomalies: written.filter(\.anomalous).count,
            seconds: Date().timeIntervalSince(started))
    }

    /// Filler of `size` bytes: EDAL never reads bodies, so only the size matters.
    static func body(size: Int, seed: UInt64) -> [UInt8] {
        [UInt8](repeating: UInt8(truncatingIfNeeded: 0x61 &+ seed % 26), count: max(0, size))
    }
}
