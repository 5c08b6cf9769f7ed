import EDALAWS
import EDALWorker
import Foundation

/// Uploads synthetic MELT objects to S3, a bounded number at a time, and writes the ground truth
/// to a local manifest (JSON lines) — never into the objects.
public struct SyntheticUpload: Sendable {
    /// One manifest line.
    public struct ManifestEntry: Sendable, Codable, Equatable {
        public var key: String
        /// The MELT generator's kind and service; `nil` for a producer profile's objects.
        public var kind: TelemetryKind?
        public var service: String?
        public var size: Int
        public var anomalous: Bool
        public var shape: AnomalyShape?
        /// A producer profile's incident (`size-blow-up`, …), where the object carries one.
        public var incident: String?

        public init(
            key: String, kind: TelemetryKind? = nil, service: String? = nil, size: Int, anomalous: Bool,
            shape: AnomalyShape? = nil, incident: String? = nil
        ) {
            self.key = key
            self.kind = kind
            self.service = service
            self.size = size
            self.anomalous = anomalous
            self.shape = shape
            self.incident = incident
        }

        /// What the object carries, as the manifest names it.
        public var label: String? { incident ?? shape?.rawValue }
    }

    public struct Summary: Sendable {
        public init(objects: Int, bytes: Int, anomalies: Int, seconds: Double) {
            self.objects = objects
            self.bytes = bytes
            self.anomalies = anomalies
            self.seconds = seconds
        }

        public var objects: Int
        public var bytes: Int
        public var anomalies: Int
        public var seconds: Double
    }

    public let generator: SyntheticMELT
    public let s3: S3Client
    public let bucket: String
    public let concurrency: Int

    public init(generator: SyntheticMELT, s3: S3Client, bucket: String, concurrency: Int = 16) {
        self.generator = generator
        self.s3 = s3
        self.bucket = bucket
        self.concurrency = max(1, concurrency)
    }

    /// Uploads objects `firstIndex..<firstIndex + count` (each index is a distinct key); calls
    /// `progress(done, bytes)` after each; writes `manifest` when all are up.
    public func run(
        count: Int, firstIndex: Int = 0, manifest: URL, progress: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let started = Date()
        var entries = [ManifestEntry?](repeating: nil, count: count)
        var done = 0
        var bytes = 0
        try await forEachConcurrently(
            count: count, limit: concurrency,
            { [generator, s3, bucket] index in
                let object = generator.object(at: firstIndex + index)
                _ = try await s3.putObject(
                    bucket: bucket, key: object.key, body: object.body,
                    contentType: object.key.hasSuffix(".gz") ? "application/gzip" : "application/x-ndjson",
                    metadata: object.metadata)
                return ManifestEntry(
                    key: object.key, kind: object.kind, service: object.service, size: object.body.count,
                    anomalous: object.anomaly != nil, shape: object.anomaly)
            },
            onResult: { index, entry in
                entries[index] = entry
                done += 1
                bytes += entry.size
                progress(done, bytes)
            })
        try Self.writeManifest(entries.compactMap { $0 }, to: manifest)
        return Summary(
            objects: done, bytes: bytes, anomalies: entries.compactMap { $0 }.filter(\.anomalous).count,
            seconds: Date().timeIntervalSince(started))
    }

    /// Writes `entries` as JSON lines.
    public static func writeManifest(_ entries: [ManifestEntry], to manifest: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for entry in entries {
            lines.append(try encoder.encode(entry))
            lines.append(0x0A)
        }
        try lines.write(to: manifest, options: .atomic)
    }

    /// Reads sizes such as `1GiB`, `500MB`, `100KiB`, `4096` (bytes).
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [
            ("KiB", 1024), ("MiB", 1024 * 1024), ("GiB", 1024 * 1024 * 1024),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("K", 1024), ("M", 1024 * 1024), ("G", 1024 * 1024 * 1024), ("B", 1),
        ]
        for (suffix, factor) in units where trimmed.uppercased().hasSuffix(suffix.uppercased()) {
            guard let number = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), number >= 0
            else { return nil }
            return Int(number * factor)
        }
        return Int(trimmed)
    }
}
