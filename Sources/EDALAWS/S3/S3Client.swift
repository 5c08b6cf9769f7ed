import Foundation
import NIOHTTP1

/// The S3 operations EDAL needs, over the REST-XML protocol.
///
/// There is deliberately no `GetObject`: EDAL reads object metadata with `HEAD` and never
/// downloads an object body.
///
/// Each bucket's calls are signed for the bucket's own region (see `S3BucketRegions`) and, where
/// `bucketCredentials` names one, with the bucket's own credentials (a role in the account that
/// owns it); every other call uses the client's configuration.
public struct S3Client: Sendable {
    public let client: AWSClient
    /// Sent with every `HEAD` and listing, so S3 refuses a bucket owned by another account.
    public var expectedBucketOwners: S3ExpectedBucketOwners
    /// The region of each bucket met so far, shared by every copy of this client.
    public let regions: S3BucketRegions
    /// Credentials for particular buckets (`EDAL_BUCKET_ROLES`); other buckets use the client's.
    public var bucketCredentials: [String: any CredentialProvider]

    public init(
        client: AWSClient, expectedBucketOwners: S3ExpectedBucketOwners = .none,
        regions: S3BucketRegions = S3BucketRegions(), bucketCredentials: [String: any CredentialProvider] = [:]
    ) {
        self.client = client
        self.expectedBucketOwners = expectedBucketOwners
        self.regions = regions
        self.bucketCredentials = bucketCredentials
    }

    /// The operations that carry `x-amz-expected-bucket-owner`: reading what EDAL acts on.
    static let ownerCheckedOperations: Set<String> = ["HeadObject", "ListObjectsV2"]

    // MARK: Buckets

    /// Creates `bucket`; succeeds quietly when this account already owns it.
    public func createBucket(_ bucket: String) async throws {
        var body: [UInt8] = []
        let region = client.configuration.region
        if region != "us-east-1" {
            var writer = XMLWriter()
            writer.element("CreateBucketConfiguration", namespace: Self.namespace) {
                $0.element("LocationConstraint", text: region)
            }
            body = Array(writer.output.utf8)
        }
        do {
            _ = try await send(
                .PUT, bucket: bucket, objectKey: nil, query: [], headers: [], body: body, operation: "CreateBucket",
                region: .configured)
        } catch let error as AWSServiceError where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    /// Replaces the bucket's notification configuration (every destination it had is replaced).
    public func putBucketNotificationConfiguration(_ bucket: String, _ configuration: S3NotificationConfiguration)
        async throws
    {
        try await putBucketNotificationConfiguration(bucket, document: configuration.document)
    }

    /// Replaces the bucket's notification configuration with `document` (a `NotificationConfiguration`
    /// element, written as given).
    public func putBucketNotificationConfiguration(_ bucket: String, document: XMLNode) async throws {
        var writer = XMLWriter()
        writer.write(document, namespace: Self.namespace)
        _ = try await send(
            .PUT, bucket: bucket, query: [("notification", "")], body: Array(writer.output.utf8),
            operation: "PutBucketNotificationConfiguration")
    }

    /// The bucket's notification configuration as S3 holds it: every destination, EDAL's and others'.
    public func bucketNotificationConfiguration(_ bucket: String) async throws -> XMLNode {
        let response = try await send(
            .GET, bucket: bucket, query: [("notification", "")], operation: "GetBucketNotificationConfiguration")
        do {
            let root = try XMLDocumentParser.parse(response.body)
            guard root.name == "NotificationConfiguration" else {
                throw XMLDocumentParser.ParseError(
                    reason: "expected NotificationConfiguration, found \(root.name)", offset: 0)
            }
            return root
        } catch {
            throw AWSResponseDecodingError(
                service: .s3, operation: "GetBucketNotificationConfiguration", reason: "\(error)")
        }
    }

    // MARK: Objects

    /// Uploads `body` as `key`, with user metadata sent as `x-amz-meta-*` headers.
    ///
    /// Metadata names and values must be ASCII: S3 stores them as HTTP headers.
    public func putObject(
        bucket: String, key: String, body: [UInt8], contentType: String? = nil, contentEncoding: String? = nil,
        metadata: [String: String] = [:]
    ) async throws -> S3PutObjectResult {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let contentEncoding { headers.append(("Content-Encoding", contentEncoding)) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
            else {
                throw S3MetadataError(name: name, value: value)
            }
            headers.append(("x-amz-meta-\(name.lowercased())", value))
        }
        let response = try await send(
            ObjectMethod.put, bucket: bucket, key: key, headers: headers, body: body, operation: "PutObject")
        return S3PutObjectResult(
            eTag: Self.unquote(response.headers.first(name: "etag") ?? ""),
            versionId: response.headers.first(name: "x-amz-version-id")
        )
    }

    /// Deletes `key` (in a versioned bucket: adds a delete marker). The worker never deletes; this is
    /// for `edal generate`'s users and the tests.
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await send(ObjectMethod.delete, bucket: bucket, key: key, operation: "DeleteObject")
    }

    /// Reads an object's metadata with `HEAD`; `nil` when there is no such object (404).
    ///
    /// - Parameter region: the bucket's region as the notification says (`awsRegion`), tried when
    ///   S3 has not shown the bucket's region yet.
    public func headObject(bucket: String, key: String, versionId: String? = nil, region: String? = nil)
        async throws -> S3ObjectHead?
    {
        let query: [(name: String, value: String)] = versionId.map { [("versionId", $0)] } ?? []
        let response: AWSHTTPResponse
        do {
            response = try await send(
                ObjectMethod.head.http, bucket: bucket, objectKey: key, query: query, headers: [], body: [],
                operation: "HeadObject", region: region.map { .hinted($0) } ?? .lookedUp)
        } catch let error as AWSServiceError where error.statusCode == 404 {
            return nil
        }
        return Self.objectHead(bucket: bucket, key: key, headers: response.headers)
    }

    static func objectHead(bucket: String, key: String, headers: HTTPHeaders) -> S3ObjectHead {
        var all: [String: String] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            all[lower] = all[lower].map { "\($0),\(value)" } ?? value
            if lower.hasPrefix("x-amz-meta-") {
                metadata[String(lower.dropFirst("x-amz-meta-".count))] = value
            }
        }
        return S3ObjectHead(
            bucket: bucket,
            key: key,
            contentLength: all["content-length"].flatMap { Int64($0) } ?? 0,
            eTag: unquote(all["etag"] ?? ""),
            lastModified: all["last-modified"].flatMap(HTTPDate.parseRFC1123),
            contentType: all["content-type"],
            contentEncoding: all["content-encoding"],
            versionId: all["x-amz-version-id"],
            storageClass: all["x-amz-storage-class"] ?? "STANDARD",
            metadata: metadata,
            headers: all
        )
    }

    /// One page of `ListObjectsV2`. Keys come back exactly as stored (no `encoding-type`).
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, startAfter: String? = nil, continuationToken: String? = nil,
        delimiter: String? = nil, maxKeys: Int? = nil
    ) async throws -> S3ListObjectsPage {
        var query: [(name: String, value: String)] = [("list-type", "2")]
        if let prefix { query.append(("prefix", prefix)) }
        if let startAfter { query.append(("start-after", startAfter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        let response = try await send(.GET, bucket: bucket, query: query, operation: "ListObjectsV2")
        do {
            var page = try Self.listPage(response.body)
            page.serverDate = response.headers.first(name: "date").flatMap(HTTPDate.parseRFC1123)
            return page
        } catch {
            throw AWSResponseDecodingError(service: .s3, operation: "ListObjectsV2", reason: "\(error)")
        }
    }

    static func listPage(_ body: [UInt8]) throws -> S3ListObjectsPage {
        let root = try XMLDocumentParser.parse(body)
        guard root.name == "ListBucketResult" else {
            throw XMLDocumentParser.ParseError(reason: "expected ListBucketResult, found \(root.name)", offset: 0)
        }
        var objects: [S3ListedObject] = []
        var prefixes: [String] = []
        for node in root.children {
            if node.name == "Contents" {
                guard let key = node.text(of: "Key"),
                    let modified = node.text(of: "LastModified").flatMap(HTTPDate.parseISO8601)
                else {
                    throw XMLDocumentParser.ParseError(reason: "a Contents entry lacks Key or LastModified", offset: 0)
                }
                objects.append(
                    S3ListedObject(
                        key: key, lastModified: modified, eTag: unquote(node.text(of: "ETag") ?? ""),
                        size: node.text(of: "Size").flatMap { Int64($0) } ?? 0,
                        storageClass: node.text(of: "StorageClass")
                    ))
            } else if node.name == "CommonPrefixes", let prefix = node.text(of: "Prefix") {
                prefixes.append(prefix)
            }
        }
        let truncated = root.text(of: "IsTruncated") == "true"
        return S3ListObjectsPage(
            objects: objects, commonPrefixes: prefixes, isTruncated: truncated,
            nextContinuationToken: truncated ? root.text(of: "NextContinuationToken") : nil)
    }

    // MARK: Plumbing

    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    static func unquote(_ eTag: String) -> String {
        eTag.count >= 2 && eTag.hasPrefix("\"") && eTag.hasSuffix("\"") ? String(eTag.dropFirst().dropLast()) : eTag
    }

    /// `true` when `bucket` can be a DNS label under TLS (no dots, lower case, 3–63 characters).
    static func isVirtualHostable(_ bucket: String) -> Bool {
        (3...63).contains(bucket.utf8.count)
            && bucket.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && !bucket.hasPrefix("-") && !bucket.hasSuffix("-")
    }

    /// What EDAL may do to an object: write it (the generator) or read its metadata. There is no
    /// case for GET, so no code path can download an object body.
    private enum ObjectMethod {
        case head
        case put
        case delete

        var http: HTTPMethod {
            switch self {
            case .head: return .HEAD
            case .put: return .PUT
            case .delete: return .DELETE
            }
        }
    }

    /// Sends a request about one object.
    private func send(
        _ method: ObjectMethod, bucket: String, key: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], operation: String
    ) async throws -> AWSHTTPResponse {
        try await send(
            method.http, bucket: bucket, objectKey: key, query: query, headers: headers, body: body,
            operation: operation, region: .lookedUp)
    }

    /// Sends a request about a bucket (notification configuration, listing).
    private func send(
        _ method: HTTPMethod, bucket: String, query: [(name: String, value: String)] = [],
        body: [UInt8] = [], operation: String
    ) async throws -> AWSHTTPResponse {
        try await send(
            method, bucket: bucket, objectKey: nil, query: query, headers: [], body: body, operation: operation,
            region: .lookedUp)
    }

    /// How the region of a request's bucket is chosen when S3 has not shown it yet.
    enum RegionChoice {
        /// The configured region (creating a bucket, which has no region before it exists).
        case configured
        /// The notification's region, kept once S3 accepts it.
        case hinted(String)
        /// Asked of S3 with `HeadBucket` (its `x-amz-bucket-region`).
        case lookedUp
    }

    /// Signs `method` for the bucket's region and sends it; when S3 answers that the bucket is in
    /// another region (a region named by `x-amz-bucket-region` or the error), remembers that and
    /// sends the request once more there, as the AWS SDKs do.
    private func send(
        _ method: HTTPMethod, bucket: String, objectKey key: String?, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8], operation: String, region choice: RegionChoice
    ) async throws -> AWSHTTPResponse {
        var region: String
        var proven = true
        if let known = regions.region(of: bucket) {
            region = known
        } else {
            switch choice {
            case .hinted(let hint) where AWSRegionName.isValid(hint):
                region = hint
                proven = false
            case .configured, .hinted:
                region = client.configuration.region
                proven = false
            case .lookedUp:
                if let found = await lookUpRegion(of: bucket) {
                    region = found
                } else {
                    region = client.configuration.region
                    proven = false
                }
            }
        }
        do {
            let response = try await sendSigned(
                method, bucket: bucket, objectKey: key, query: query, headers: headers, body: body,
                operation: operation, region: region)
            if !proven { regions.learn(bucket, region: region) }
            return response
        } catch let error as AWSServiceError {
            guard let corrected = Self.regionCorrection(error, signedFor: region) else { throw error }
            client.logger.info(
                "S3 placed the bucket in another region; its requests are signed for that region from now on",
                metadata: ["bucket": "\(bucket)", "region": "\(corrected)", "was": "\(region)"])
            regions.learn(bucket, region: corrected)
            return try await sendSigned(
                method, bucket: bucket, objectKey: key, query: query, headers: headers, body: body,
                operation: operation, region: corrected)
        }
    }

    /// The region an error answer says the bucket is in, when that is why the request failed: a
    /// redirect or a malformed-authorization answer naming another region than the one signed for.
    static func regionCorrection(_ error: AWSServiceError, signedFor region: String) -> String? {
        guard let named = error.bucketRegion, named != region, AWSRegionName.isValid(named) else { return nil }
        let regionCodes: Set<String> = [
            "PermanentRedirect", "TemporaryRedirect", "AuthorizationHeaderMalformed",
            "IllegalLocationConstraintException",
        ]
        guard [301, 307, 400].contains(error.statusCode) || regionCodes.contains(error.code) else { return nil }
        return named
    }

    /// The bucket's region as S3 shows it (asked with `HeadBucket` unless known); `nil` when no
    /// answer names it (an emulator, or a bucket that cannot be reached).
    public func region(of bucket: String) async -> String? {
        if let known = regions.region(of: bucket) { return known }
        return await lookUpRegion(of: bucket)
    }

    /// Asks S3 for the bucket's region with `HeadBucket`, which names it in `x-amz-bucket-region`
    /// whatever the answer (200, a redirect, or a refusal); `nil` when no answer names it.
    private func lookUpRegion(of bucket: String) async -> String? {
        let found: String?
        do {
            let response = try await sendSigned(
                .HEAD, bucket: bucket, objectKey: nil, query: [], headers: [], body: [], operation: "HeadBucket",
                region: client.configuration.region)
            found = response.headers.first(name: "x-amz-bucket-region")
        } catch let error as AWSServiceError {
            found = error.bucketRegion
        } catch {
            found = nil
        }
        guard let found, AWSRegionName.isValid(found) else { return nil }
        regions.learn(bucket, region: found)
        return found
    }

    private func sendSigned(
        _ method: HTTPMethod, bucket: String, objectKey key: String?, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8], operation: String, region: String
    ) async throws -> AWSHTTPResponse {
        var endpoint = client.endpoint(for: .s3, region: region)
        let encodedKey = key.map { SigV4Encoding.encode($0, keepingSlashes: true) } ?? ""
        let path: String
        if client.configuration.s3AddressingStyle == .virtualHosted && Self.isVirtualHostable(bucket) {
            endpoint = endpoint.withHost("\(bucket).\(endpoint.host)")
            path = "/" + encodedKey
        } else {
            path = "/\(SigV4Encoding.encode(bucket, keepingSlashes: false))" + (key == nil ? "" : "/" + encodedKey)
        }
        var allHeaders = headers
        if Self.ownerCheckedOperations.contains(operation), let owner = expectedBucketOwners.owner(of: bucket) {
            allHeaders.append(("x-amz-expected-bucket-owner", owner))
        }
        if !body.isEmpty, !headers.contains(where: { $0.name.lowercased() == "content-type" }), operation != "PutObject"
        {
            allHeaders.append(("Content-Type", "application/xml"))
        }
        let request = AWSHTTPRequest(
            method: method, endpoint: endpoint, path: path, query: query, headers: allHeaders, body: body)
        return try await client.send(
            request, service: .s3, operation: operation, signer: client.signer(for: .s3, region: region),
            credentials: bucketCredentials[bucket])
    }
}

/// User metadata S3 cannot carry as a header.
public struct S3MetadataError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var description: String {
        "S3 user metadata must be printable ASCII: x-amz-meta-\(name)=\(value.prefix(64)) cannot be sent; encode the value first"
    }
}
