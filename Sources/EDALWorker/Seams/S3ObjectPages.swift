import EDALAWS

/// The pages of a `ListObjectsV2` listing, requested one at a time as they are consumed.
public struct S3ObjectPages: AsyncSequence, Sendable {
    public typealias Element = S3ListObjectsPage
    let client: any ObjectListingService
    let bucket: String
    let prefix: String?
    let startAfter: String?
    let pageSize: Int?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: S3ObjectPages
        var token: String?
        var finished = false
        var first = true

        public mutating func next() async throws -> S3ListObjectsPage? {
            guard !finished else { return nil }
            let page = try await pages.client.listObjectsV2(
                bucket: pages.bucket, prefix: pages.prefix, startAfter: first ? pages.startAfter : nil,
                continuationToken: token, delimiter: nil, maxKeys: pages.pageSize
            )
            first = false
            token = page.nextContinuationToken
            finished = !page.isTruncated || token == nil
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: self)
    }
}
