import NIOHTTP1

/// One request to an AWS service, before signing.
public struct AWSHTTPRequest: Sendable {
    public var method: HTTPMethod
    public var endpoint: AWSEndpoint
    /// The path as sent (percent-encoded once), starting with `/`; the endpoint's base path is prefixed.
    public var path: String
    /// Query items, not encoded.
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: HTTPMethod, endpoint: AWSEndpoint, path: String = "/",
        query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.endpoint = endpoint
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The path including the endpoint's base path.
    var fullPath: String { endpoint.basePath + path }

    /// The URL as sent: the query encoded the same way SigV4 encodes it.
    var url: String { "\(endpoint.scheme)://\(endpoint.hostHeader)\(target)" }

    /// The request target as sent on the request line: the full path and the encoded query.
    var target: String {
        guard !query.isEmpty else { return fullPath }
        return fullPath + "?"
            + query.map {
                SigV4Encoding.encode($0.name, keepingSlashes: false) + "="
                    + SigV4Encoding.encode($0.value, keepingSlashes: false)
            }.joined(separator: "&")
    }
}

/// A service's answer: status, headers and the whole body.
public struct AWSHTTPResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
