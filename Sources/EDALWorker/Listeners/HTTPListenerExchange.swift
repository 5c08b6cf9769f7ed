import NIOHTTP1

/// One request as a listener's handler sees it: GET or HEAD (others are answered 405 before),
/// the path without its query, and the headers.
public struct HTTPListenerRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    public var headers: HTTPHeaders

    public init(method: HTTPMethod = .GET, path: String, headers: HTTPHeaders = [:]) {
        self.method = method
        self.path = path
        self.headers = headers
    }
}

/// A handler's answer. The listener adds `Content-Length` and `Connection`.
public struct HTTPListenerResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(name: String, value: String)]

    public init(
        _ status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: [UInt8],
        headers: [(name: String, value: String)] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// Plain text.
    public static func text(_ status: HTTPResponseStatus, _ text: String) -> HTTPListenerResponse {
        HTTPListenerResponse(status, body: Array(text.utf8))
    }
}
