/// Where a listener binds: `HOST:PORT`, `[IPv6]:PORT`, or a bare `PORT` (all interfaces).
/// Port 0 picks a free port (logged once bound).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `text`; `nil` when it is neither `HOST:PORT` nor `PORT` with a port in 0…65535.
    public init?(parsing text: String) {
        let host: Substring
        let port: Substring
        if let bare = Int(text) {
            guard (0...65_535).contains(bare) else { return nil }
            self.init(host: "0.0.0.0", port: bare)
            return
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let number = Int(port), (0...65_535).contains(number) else { return nil }
        self.init(host: String(host), port: number)
    }

    /// Whether only this machine can reach it.
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
