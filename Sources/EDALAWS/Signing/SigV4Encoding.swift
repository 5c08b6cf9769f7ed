/// The string rules of SigV4: URI encoding, path normalisation, header value trimming.
enum SigV4Encoding {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// `true` for the characters RFC 3986 calls unreserved: `A-Z a-z 0-9 - _ . ~`.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Percent-encodes every byte of the UTF-8 form except the unreserved ones (and `/` when asked).
    static func encode(_ string: String, keepingSlashes: Bool) -> String {
        let utf8 = string.utf8
        if utf8.allSatisfy({ isUnreserved($0) || (keepingSlashes && $0 == UInt8(ascii: "/")) }) {
            return string
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 3)
        for byte in utf8 {
            if isUnreserved(byte) || (keepingSlashes && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 dot-segment removal as AWS applies it: `.` and empty segments are dropped, `..` pops.
    static func removeDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// Trims leading and trailing white space and folds inner runs of it into one space.
    static func trimAll(_ value: String) -> String {
        // Usually there is nothing to trim: no white space but single inner spaces.
        var previousWasSpace = true
        var clean = true
        for byte in value.utf8 {
            if byte >= 0x09 && byte <= 0x0D || (byte == 0x20 && previousWasSpace) {
                clean = false
                break
            }
            previousWasSpace = byte == 0x20
        }
        if clean && !previousWasSpace || value.isEmpty { return value }
        var words: [Substring] = []
        var current = value.utf8.startIndex
        let utf8 = value.utf8
        var wordStart: String.Index?
        while current != utf8.endIndex {
            let byte = utf8[current]
            let isSpace = byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
            if isSpace {
                if let start = wordStart {
                    words.append(value[start..<current])
                    wordStart = nil
                }
            } else if wordStart == nil {
                wordStart = current
            }
            current = utf8.index(after: current)
        }
        if let start = wordStart {
            words.append(value[start..<utf8.endIndex])
        }
        return words.joined(separator: " ")
    }
}
