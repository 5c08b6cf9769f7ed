import Foundation
import NIOHTTP1

/// Who may read the operator page: it lists keys, ETags, reasons and store errors, so it listens
/// on loopback by default (reached with `kubectl port-forward`), can ask for a token
/// (`EDAL_OPERATOR_TOKEN`), and refuses requests naming a host other than an address or
/// `localhost` unless a token guards it (a page that a DNS-rebinding site points its own name at
/// must not answer that site's scripts).
public struct OperatorAccess: Sendable {
    /// The token asked for, as `Authorization: Bearer TOKEN` or as the password of Basic
    /// authentication (which a browser prompts for); `nil`: none asked.
    public var token: String?

    public init(token: String?) {
        self.token = token
    }

    /// `nil` when `headers` may read the page, else the answer to give.
    public func refusal(_ headers: HTTPHeaders) -> HTTPListenerResponse? {
        guard let token else {
            if let host = headers.first(name: "Host"), !Self.isAddressOrLocalhost(host) {
                return .text(
                    .forbidden,
                    "the operator page answers only requests addressed to an IP address or localhost (kubectl port-forward); set EDAL_OPERATOR_TOKEN to serve it under a host name\n"
                )
            }
            return nil
        }
        if let presented = Self.presentedToken(headers), Self.constantTimeEqual(presented, token) { return nil }
        return HTTPListenerResponse(
            .unauthorized,
            body: Array("the operator page needs EDAL_OPERATOR_TOKEN (Bearer, or as the password)\n".utf8),
            headers: [("WWW-Authenticate", "Basic realm=\"edal\", charset=\"UTF-8\"")])
    }

    /// The token in `Authorization`: a Bearer token or a Basic password.
    static func presentedToken(_ headers: HTTPHeaders) -> String? {
        guard let authorization = headers.first(name: "Authorization") else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "bearer":
            return parts[1]
        case "basic":
            guard let decoded = Data(base64Encoded: parts[1]).map({ String(decoding: $0, as: UTF8.self) }),
                let colon = decoded.firstIndex(of: ":")
            else { return nil }
            return String(decoded[decoded.index(after: colon)...])
        default:
            return nil
        }
    }

    /// `localhost`, an IPv4 address or a bracketed IPv6 address, with or without a port.
    static func isAddressOrLocalhost(_ host: String) -> Bool {
        if host.hasPrefix("[") { return host.contains("]") }
        let name = host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host
        if name.lowercased() == "localhost" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<min(a.count, b.count) { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
