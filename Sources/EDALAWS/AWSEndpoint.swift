/// Where a service's requests go: scheme, host, port and an optional base path.
public struct AWSEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// A path prefix from the endpoint URL (without a trailing `/`), usually empty.
    public var basePath: String

    public init(scheme: String, host: String, port: Int? = nil, basePath: String = "") {
        self.scheme = scheme.lowercased()
        self.host = host.lowercased()
        self.port = port
        self.basePath = basePath
    }

    /// Parses `http://127.0.0.1:4566` or `https://sqs.eu-west-1.amazonaws.com/`; `nil` if it is not a URL.
    public init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = url[schemeEnd.upperBound...]
        var basePath = ""
        if let slash = rest.firstIndex(of: "/") {
            basePath = String(rest[slash...])
            rest = rest[..<slash]
            while basePath.hasSuffix("/") { basePath.removeLast() }
        }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
            host = String(host[...close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { return nil }
            port = value
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { return nil }
        self.init(scheme: scheme, host: host, port: port, basePath: basePath)
    }

    /// `true` when the port is absent or the scheme's default.
    var usesDefaultPort: Bool {
        port == nil || (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
    }

    /// The host to connect to: an IPv6 literal without its brackets.
    var connectHost: String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// The `Host` header value: the host, with the port unless it is the default one.
    public var hostHeader: String {
        usesDefaultPort ? host : "\(host):\(port ?? 0)"
    }

    /// `scheme://host[:port]basePath`.
    public var description: String {
        "\(scheme)://\(hostHeader)\(basePath)"
    }

    /// The same endpoint with a different host (virtual-hosted S3 buckets).
    func withHost(_ newHost: String) -> AWSEndpoint {
        AWSEndpoint(scheme: scheme, host: newHost, port: port, basePath: basePath)
    }
}
