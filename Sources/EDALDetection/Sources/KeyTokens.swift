/// A key cut into runs of ASCII digits, runs of letters (non-ASCII bytes count as letters) and
/// single other bytes, the unit the templater works on.
struct KeyTokens {
    enum Kind: Equatable {
        case digits
        case letters
        case other(UInt8)
    }

    struct Token: Equatable {
        var kind: Kind
        var start: Int
        var end: Int
        var length: Int { end - start }
    }

    let bytes: [UInt8]
    let tokens: [Token]

    init(_ key: String) {
        bytes = Array(key.utf8)
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if Self.isDigit(byte) || Self.isLetter(byte) {
                let digits = Self.isDigit(byte)
                var end = index + 1
                while end < bytes.count, digits ? Self.isDigit(bytes[end]) : Self.isLetter(bytes[end]) { end += 1 }
                tokens.append(Token(kind: digits ? .digits : .letters, start: index, end: end))
                index = end
            } else {
                tokens.append(Token(kind: .other(byte), start: index, end: index + 1))
                index += 1
            }
        }
        self.tokens = tokens
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte >= 0x80 }
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66) }

    /// The value of a digits token (at most 18 digits), else `nil`.
    func value(_ index: Int) -> Int? {
        guard tokens.indices.contains(index), tokens[index].kind == .digits, tokens[index].length <= 18 else {
            return nil
        }
        var value = 0
        for position in tokens[index].start..<tokens[index].end { value = value * 10 + Int(bytes[position] - 0x30) }
        return value
    }

    /// The value of the digits at `range` of the bytes.
    func value(bytes range: Range<Int>) -> Int {
        var value = 0
        for position in range { value = value * 10 + Int(bytes[position] - 0x30) }
        return value
    }

    func isDigits(_ index: Int, length: Int) -> Bool {
        tokens.indices.contains(index) && tokens[index].kind == .digits && tokens[index].length == length
    }

    func isOther(_ index: Int, in set: [UInt8]) -> Bool {
        guard tokens.indices.contains(index), case .other(let byte) = tokens[index].kind else { return false }
        return set.contains(byte)
    }

    /// Whether token `index` is the letters `text` (ASCII, exact case).
    func isLetters(_ index: Int, _ text: String) -> Bool {
        guard tokens.indices.contains(index), tokens[index].kind == .letters else { return false }
        return bytes[tokens[index].start..<tokens[index].end].elementsEqual(text.utf8)
    }

    func text(_ index: Int) -> Substring {
        Substring(decoding: bytes[tokens[index].start..<tokens[index].end], as: UTF8.self)
    }
}
