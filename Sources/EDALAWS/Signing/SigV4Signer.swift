import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Signs HTTP requests with AWS Signature Version 4.
///
/// The signer is a small value that knows one service in one region. It never performs I/O: give it
/// the request's method, host, encoded path, raw query items, headers and payload hash, and it
/// returns the headers to add (`X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-SHA256` for S3,
/// and `Authorization`).
///
/// Two families of rules exist. S3 signs the path exactly as it is sent (already percent-encoded
/// once) and requires `x-amz-content-sha256`; every other service normalises the path (dot segments
/// and empty segments removed) and percent-encodes it a second time.
public struct SigV4Signer: Sendable {
    /// The SigV4 service name, e.g. `s3`, `sqs`, `kinesis`.
    public let service: String
    /// The region the request is for, e.g. `us-east-1`.
    public let region: String
    /// Whether the S3 signing rules apply.
    public let usesS3Rules: Bool

    private let keyCache: SigningKeyCache

    public init(service: String, region: String, usesS3Rules: Bool? = nil) {
        self.service = service
        self.region = region
        self.usesS3Rules = usesS3Rules ?? (service == "s3")
        self.keyCache = SigningKeyCache()
    }

    /// Headers that are never signed: proxies and HTTP stacks add or rewrite them.
    static let unsignedHeaderNames: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
    ]

    /// Signs `request` with `credentials` at `date`, returning the headers to add to it.
    public func sign(_ request: SigV4Request, credentials: AWSCredentials, date: Date = Date()) -> [(
        name: String, value: String
    )] {
        let prepared = prepare(request, credentials: credentials, date: date)
        let scope = "\(prepared.timestamp.day)/\(region)/\(service)/aws4_request"
        var stringToSign = "AWS4-HMAC-SHA256\n\(prepared.timestamp.amzDate)\n\(scope)\n"
        stringToSign += HexEncoding.encode(Self.sha256(prepared.canonicalRequest))
        let key = keyCache.key(
            secret: credentials.secretAccessKey, day: prepared.timestamp.day, region: region, service: service)
        var mac = HMAC<SHA256>(key: key)
        Self.update(&mac, with: stringToSign)
        let signature = HexEncoding.encode(mac.finalize())
        var added = prepared.addedHeaders
        added.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(prepared.signedHeaders), Signature=\(signature)"
            ))
        return added
    }

    /// SHA-256 of a string's UTF-8, read in place.
    private static func sha256(_ text: String) -> SHA256.Digest {
        var text = text
        return text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    private static func update(_ mac: inout HMAC<SHA256>, with text: String) {
        var text = text
        text.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
    }

    /// The canonical request that `sign` signs; for diagnostics and tests.
    public func canonicalRequest(_ request: SigV4Request, credentials: AWSCredentials, date: Date) -> String {
        prepare(request, credentials: credentials, date: date).canonicalRequest
    }

    private struct Prepared {
        var timestamp: SigV4Timestamp
        var addedHeaders: [(name: String, value: String)]
        var canonicalRequest: String
        var signedHeaders: String
    }

    private func prepare(_ request: SigV4Request, credentials: AWSCredentials, date: Date) -> Prepared {
        let timestamp = SigV4Timestamp(date)
        var added: [(name: String, value: String)] = [("X-Amz-Date", timestamp.amzDate)]
        if let token = credentials.sessionToken {
            added.append(("X-Amz-Security-Token", token))
        }
        if usesS3Rules {
            added.append(("X-Amz-Content-SHA256", request.payloadHash))
        }
        let parts = canonicalParts(request, extraHeaders: added)
        let canonicalRequest = [
            request.method.uppercased(),
            parts.path,
            parts.query,
            parts.headers + "\n",
            parts.signedHeaders,
            parts.payloadHash ?? request.payloadHash,
        ].joined(separator: "\n")
        return Prepared(
            timestamp: timestamp, addedHeaders: added, canonicalRequest: canonicalRequest,
            signedHeaders: parts.signedHeaders)
    }

    private struct CanonicalParts {
        var path: String
        var query: String
        var headers: String
        var signedHeaders: String
        /// A payload hash given by the caller as an `x-amz-content-sha256` header.
        var payloadHash: String?
    }

    private func canonicalParts(_ request: SigV4Request, extraHeaders: [(name: String, value: String)])
        -> CanonicalParts
    {
        let path: String
        if usesS3Rules {
            path = request.path
        } else {
            path = SigV4Encoding.encode(
                SigV4Encoding.removeDotSegments(request.path.isEmpty ? "/" : request.path),
                keepingSlashes: true)
        }

        let query = request.query
            .map {
                (
                    SigV4Encoding.encode($0.name, keepingSlashes: false),
                    SigV4Encoding.encode($0.value, keepingSlashes: false)
                )
            }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0
                    ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")

        // Headers: the caller's (less the ones replaced by signing), then the signing headers; sorted by
        // name (stable, so repeated names keep their order) and repeated names joined with commas.
        let replaced = extraHeaders.map { $0.name.lowercased() }
        var entries: [(name: String, value: String)] = []
        entries.reserveCapacity(request.headers.count + extraHeaders.count + 1)
        var callerPayloadHash: String?
        var hasHost = false
        for header in request.headers {
            let name = header.name.lowercased()
            if Self.unsignedHeaderNames.contains(name) || replaced.contains(name) { continue }
            if name == "x-amz-content-sha256" { callerPayloadHash = header.value }
            if name == "host" { hasHost = true }
            entries.append((name, SigV4Encoding.trimAll(header.value)))
        }
        for (index, header) in extraHeaders.enumerated() {
            entries.append((replaced[index], SigV4Encoding.trimAll(header.value)))
        }
        if !hasHost {
            entries.append(("host", request.host))
        }
        let sorted = entries.enumerated().sorted { lhs, rhs in
            lhs.element.name == rhs.element.name
                ? lhs.offset < rhs.offset
                : lhs.element.name.utf8.lexicographicallyPrecedes(rhs.element.name.utf8)
        }.map(\.element)
        var headers = ""
        var signedHeaders = ""
        for (index, entry) in sorted.enumerated() {
            if index > 0, sorted[index - 1].name == entry.name {
                headers += "," + entry.value
                continue
            }
            if index > 0 {
                headers += "\n"
                signedHeaders += ";"
            }
            headers += entry.name + ":" + entry.value
            signedHeaders += entry.name
        }
        return CanonicalParts(
            path: path,
            query: query,
            headers: headers,
            signedHeaders: signedHeaders,
            payloadHash: usesS3Rules ? nil : callerPayloadHash
        )
    }
}

/// The parts of an HTTP request that SigV4 signs.
public struct SigV4Request: Sendable {
    /// HTTP method, e.g. `GET`.
    public var method: String
    /// The `Host` header value: lower-case host name, with `:port` unless the port is the scheme's default.
    public var host: String
    /// The path as sent on the wire (percent-encoded once), starting with `/`.
    public var path: String
    /// Query items, not encoded; the signer encodes and sorts them.
    public var query: [(name: String, value: String)]
    /// Headers as sent; repeated names are allowed.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
    public var payloadHash: String

    public init(
        method: String, host: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], payloadHash: String
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadHash = payloadHash
    }

    /// A request whose body is `body`; its hash is computed here.
    public init(
        method: String, host: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8]
    ) {
        self.init(
            method: method, host: host, path: path, query: query, headers: headers,
            payloadHash: HexEncoding.sha256(body))
    }
}

/// The hex SHA-256 of an empty payload.
public let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/// Caches the derived signing key: it depends only on the secret, the day, the region and the service.
final class SigningKeyCache: Sendable {
    private struct Entry: Sendable {
        var secret: String
        var day: String
        var region: String
        var service: String
        var key: [UInt8]
    }

    private let entry = NIOLockedValueBox<Entry?>(nil)

    func key(secret: String, day: String, region: String, service: String) -> SymmetricKey {
        if let cached = entry.withLockedValue({ $0 }), cached.secret == secret, cached.day == day,
            cached.region == region, cached.service == service
        {
            return SymmetricKey(data: cached.key)
        }
        let key = Self.derive(secret: secret, day: day, region: region, service: service)
        let bytes = key.withUnsafeBytes { Array($0) }
        entry.withLockedValue { $0 = Entry(secret: secret, day: day, region: region, service: service, key: bytes) }
        return key
    }

    static func derive(secret: String, day: String, region: String, service: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
        }
        let dateKey = hmac(SymmetricKey(data: Array("AWS4\(secret)".utf8)), day)
        return hmac(hmac(hmac(dateKey, region), service), "aws4_request")
    }
}
