import EDALAWS

/// The one S3 call the pipeline makes per object: `HEAD` (metadata only, never the body). `S3Client`
/// makes it against S3; a simulated bucket answers it in the deterministic simulation.
public protocol ObjectHeadService: Sendable {
    /// The object's metadata, or `nil` when it does not exist (404). `region`: the bucket's region as
    /// the notification says, where known.
    func headObject(bucket: String, key: String, versionId: String?, region: String?) async throws -> S3ObjectHead?
}

extension S3Client: ObjectHeadService {}
