import ArgumentParser
import EDALAWS
import EDALTools
import EDALWorker
import Foundation

/// `edal generate`: uploads synthetic MELT telemetry with summary metadata and injected anomalies.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract:
            "Upload synthetic telemetry: MELT objects with summary metadata, or objects laid out as a producer writes them (--profile); the ground truth goes to a local manifest."
    )

    @Option(help: "melt (default: the MELT generator), or a producer: cloudtrail, alb, vpcflow, firehose, otel.")
    var profile: String = "melt"
    @Option(help: "Sources of a producer profile (accounts × regions, load balancers, streams …).") var sources: Int = 4

    @Option(help: "The bucket to upload to (created if missing).") var bucket: String
    @Option(help: "How many objects.") var objects: Int = 1_000
    @Option(help: "Total size, e.g. 1GiB or 500MB: sets each object's size from --objects.") var size: String?
    @Option(help: "Size of one normal object when --size is not given, e.g. 100KiB.") var objectSize: String = "100KiB"
    @Option(help: "Share of objects carrying an injected anomaly.") var anomalyRate: Double = 0.05
    @Option(help: "Seed: the same seed gives the same objects.") var seed: UInt64 = 1
    @Option(help: "Index of the first object: batches with different first indexes have different keys.")
    var firstIndex: Int = 0
    @Option(help: "Uploads in flight at once.") var concurrency: Int = 16
    @Option(help: "Where to write the ground truth (JSON lines).") var manifest: String = "edal-manifest.jsonl"
    @Flag(help: "Gzip the bodies (keys end in .jsonl.gz).") var gzip = false

    func validate() throws {
        guard objects > 0 else { throw ValidationError("--objects must be at least 1") }
        guard firstIndex >= 0 else { throw ValidationError("--first-index must be 0 or more") }
        guard (0...1).contains(anomalyRate) else { throw ValidationError("--anomaly-rate must be between 0 and 1") }
        if let size, SyntheticUpload.parseSize(size) == nil {
            throw ValidationError("--size \(size): write e.g. 1GiB, 500MB or 100KiB")
        }
        guard SyntheticUpload.parseSize(objectSize) != nil else {
            throw ValidationError("--object-size \(objectSize): write e.g. 100KiB")
        }
    }

    func run() async throws {
        if profile != "melt" {
            try await runProfile()
            return
        }
        let configuration = try resolvedAWSConfiguration()
        let perObject =
            size.flatMap(SyntheticUpload.parseSize).map { $0 / objects } ?? SyntheticUpload.parseSize(objectSize) ?? 100
            * 1024
        let client = AWSClient(configuration: configuration)
        let s3 = S3Client(client: client)
        let generator = SyntheticMELT(
            options: .init(
                seed: seed, objectSize: perObject, anomalyRate: anomalyRate,
                start: Date().addingTimeInterval(-Double(objects)), gzip: gzip))
        let upload = SyntheticUpload(generator: generator, s3: s3, bucket: bucket, concurrency: concurrency)
        let bar = ProgressBar(total: objects)
        do {
            try await s3.createBucket(bucket)
            let summary = try await upload.run(
                count: objects, firstIndex: firstIndex, manifest: URL(fileURLWithPath: manifest)
            ) { done, bytes in
                bar.update(done: done, bytes: bytes)
            }
            bar.finish()
            print(
                String(
                    format:
                        "uploaded %d objects (%.1f MiB, %d with anomalies) to s3://%@ in %.1f s; ground truth in %@",
                    summary.objects, Double(summary.bytes) / 1_048_576, summary.anomalies, bucket, summary.seconds,
                    manifest))
        } catch {
            bar.finish()
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// A producer profile's objects, in time order, ending now.
    func runProfile() async throws {
        guard let producer = ProducerProfile(rawValue: profile), producer != .melt else {
            throw ValidationError(
                "--profile \(profile): use melt, \(ProducerProfile.allCases.filter { $0 != .melt }.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let client = AWSClient(configuration: try resolvedAWSConfiguration())
        let s3 = S3Client(client: client)
        let upload = ProfileUpload(
            profile: producer, seed: seed, sources: sources, s3: s3, bucket: bucket, concurrency: concurrency)
        let bar = ProgressBar(total: objects)
        do {
            try await s3.createBucket(bucket)
            let summary = try await upload.run(objects: objects, manifest: URL(fileURLWithPath: manifest)) {
                done, bytes in
                bar.update(done: done, bytes: bytes)
            }
            bar.finish()
            print(
                String(
                    format:
                        "uploaded %d %@ objects (%.1f MiB, %d with incidents) from %d sources to s3://%@ in %.1f s; ground truth in %@",
                    summary.objects, producer.rawValue, Double(summary.bytes) / 1_048_576, summary.anomalies, sources,
                    bucket,
                    summary.seconds, manifest))
        } catch {
            bar.finish()
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
