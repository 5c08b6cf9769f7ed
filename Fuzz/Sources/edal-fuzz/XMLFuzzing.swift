@testable import EDALAWS

/// S3's XML answers: any bytes through the document parser, and a parsed document through the
/// ListObjectsV2 page reader (whose continuation token is only kept when the page says it is truncated).
enum XMLFuzzing {
    static func run(_ bytes: [UInt8]) {
        guard (try? XMLDocumentParser.parse(bytes)) != nil else { return }
        guard let page = try? S3Client.listPage(bytes) else { return }
        require(page.isTruncated || page.nextContinuationToken == nil, "a continuation token on the last page")
    }
}
