import Foundation

/// The HTTP proxy AWS requests go through, from `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their
/// lower-case spellings) as the AWS SDKs and curl read them.
///
/// `https://` endpoints (every AWS endpoint) use `HTTPS_PROXY`, tunnelled with `CONNECT`; `http://`
/// endpoints (emulators) use `HTTP_PROXY`. `NO_PROXY` lists hosts reached directly: `example.com`
/// matches it and its subdomains, `.example.com` only the subdomains, `host:port` that port only, `*`
/// every host. IP ranges (CIDR) are not understood. Credential endpoints (instance metadata,
/// container credentials, STS for web identity) are always reached directly.
public struct AWSProxyConfiguration: Sendable, Equatable {
    /// A proxy server: `http://[user:password@]host[:port]` (port 80 when absent).
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// `user:password` for `Proxy-Authorization: Basic`, when the URL carries them.
        public var credentials: String?

        public var description: String { "http://\(host):\(port)" }
    }

    public var https: Server?
    public var http: Server?
    public var noProxy: [String]

    public init(https: Server? = nil, http: Server? = nil, noProxy: [String] = []) {
        self.https = https
        self.http = http
        self.noProxy = noProxy.map { $0.lowercased() }
    }

    /// The proxy for requests to `endpoint`, or `nil` to connect directly.
    public func server(for endpoint: AWSEndpoint) -> Server? {
        guard let server = endpoint.scheme == "https" ? https : http else { return nil }
        for entry in noProxy {
            if entry == "*" { return nil }
            let (entryHost, entryPort) = Self.split(entry)
            if let entryPort, endpoint.port ?? (endpoint.scheme == "https" ? 443 : 80) != entryPort { continue }
            if entryHost.hasPrefix(".") {
                if endpoint.host.hasSuffix(entryHost) { return nil }
            } else if endpoint.host == entryHost || endpoint.host.hasSuffix("." + entryHost) {
                return nil
            }
        }
        return server
    }

    /// Reads the proxy variables; `nil` when none is set.
    /// - Throws: `AWSConfigurationError.invalidSetting` for a proxy that is not an `http://` URL.
    public static func resolve(_ env: (String) -> String?) throws(AWSConfigurationError) -> AWSProxyConfiguration? {
        func value(_ name: String) -> (String, String)? {
            for spelling in [name, name.lowercased()] {
                if let value = env(spelling) { return (spelling, value) }
            }
            return nil
        }
        var https: Server?
        var http: Server?
        if let (variable, url) = value("HTTPS_PROXY") { https = try parse(url, variable: variable) }
        if let (variable, url) = value("HTTP_PROXY") { http = try parse(url, variable: variable) }
        guard https != nil || http != nil else { return nil }
        let noProxy =
            value("NO_PROXY")?.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            } ?? []
        return AWSProxyConfiguration(https: https, http: http, noProxy: noProxy)
    }

    static func parse(_ url: String, variable: String) throws(AWSConfigurationError) -> Server {
        let withScheme = url.contains("://") ? url : "http://" + url
        guard withScheme.lowercased().hasPrefix("http://"), let endpoint = AWSEndpoint(url: withScheme) else {
            throw .invalidSetting(
                name: variable, value: url, expected: "an http:// proxy URL, e.g. http://proxy.internal:3128")
        }
        let authority = withScheme.dropFirst("http://".count).prefix { $0 != "/" }
        let credentials = authority.lastIndex(of: "@").map {
            String(authority[..<$0]).removingPercentEncoding ?? String(authority[..<$0])
        }
        return Server(host: endpoint.host, port: endpoint.port ?? 80, credentials: credentials)
    }

    private static func split(_ entry: String) -> (host: String, port: Int?) {
        let trimmed = entry.hasPrefix("*.") ? String(entry.dropFirst()) : entry
        guard !trimmed.hasPrefix("["), let colon = trimmed.lastIndex(of: ":"),
            let port = Int(trimmed[trimmed.index(after: colon)...])
        else {
            return (trimmed, nil)
        }
        return (String(trimmed[..<colon]), port)
    }
}
