import EDALAWS

/// The S3 listing the sweep makes: `S3Client` lists a bucket; a simulated bucket answers in the
/// deterministic simulation.
public protocol ObjectListingService: Sendable {
    /// One page of `ListObjectsV2`.
    func listObjectsV2(
        bucket: String, prefix: String?, startAfter: String?, continuationToken: String?,
        delimiter: String?, maxKeys: Int?
    ) async throws -> S3ListObjectsPage
}

extension S3Client: ObjectListingService {}

extension ObjectListingService {
    /// Every page under `prefix`, fetched as the sequence is read.
    public func listAllObjects(bucket: String, prefix: String? = nil, startAfter: String? = nil, pageSize: Int? = nil)
        -> S3ObjectPages
    {
        S3ObjectPages(client: self, bucket: bucket, prefix: prefix, startAfter: startAfter, pageSize: pageSize)
    }
}
