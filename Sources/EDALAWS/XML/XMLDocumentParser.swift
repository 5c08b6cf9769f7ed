/// A small, strict XML parser for service responses: elements, text, entity and character
/// references, CDATA, comments and processing instructions. No DTDs, no external entities.
public enum XMLDocumentParser {
    /// Why a document could not be parsed, with the byte offset where it went wrong.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var offset: Int
        public var description: String { "XML: \(reason) at byte \(offset)" }
    }

    /// Parses `bytes` and returns the root element.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> XMLNode {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        func fail(_ reason: String) -> ParseError { ParseError(reason: reason, offset: index) }

        mutating func document() throws(ParseError) -> XMLNode {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
            try skipMisc()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else {
                throw fail("expected the root element")
            }
            let root = try element()
            try skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Skips white space, comments, processing instructions and a DOCTYPE between elements.
        mutating func skipMisc() throws(ParseError) {
            while index < bytes.count {
                if isSpace(bytes[index]) {
                    index += 1
                } else if starts("<?") {
                    try skip(past: Array("?>".utf8))
                } else if starts("<!--") {
                    try skip(past: Array("-->".utf8))
                } else if starts("<!DOCTYPE") {
                    try skip(past: [UInt8(ascii: ">")])
                } else {
                    return
                }
            }
        }

        mutating func element() throws(ParseError) -> XMLNode {
            index += 1  // <
            let qualified = try name()
            try skipAttributes()
            var node = XMLNode(name: localName(qualified))
            if starts("/>") {
                index += 2
                return node
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
                throw fail("malformed start tag <\(qualified)>")
            }
            index += 1
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("unclosed element <\(qualified)>") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "<") {
                    if starts("</") {
                        index += 2
                        let closing = try name()
                        guard closing == qualified else { throw fail("</\(closing)> closes <\(qualified)>") }
                        while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
                            throw fail("malformed end tag")
                        }
                        index += 1
                        node.text = String(decoding: text, as: UTF8.self)
                        return node
                    } else if starts("<!--") {
                        try skip(past: Array("-->".utf8))
                    } else if starts("<![CDATA[") {
                        index += 9
                        let start = index
                        try skip(past: Array("]]>".utf8))
                        text.append(contentsOf: bytes[start..<(index - 3)])
                    } else if starts("<?") {
                        try skip(past: Array("?>".utf8))
                    } else {
                        node.children.append(try element())
                    }
                } else if byte == UInt8(ascii: "&") {
                    try reference(into: &text)
                } else {
                    text.append(byte)
                    index += 1
                }
            }
        }

        mutating func name() throws(ParseError) -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
                {
                    break
                }
                index += 1
            }
            guard index > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func skipAttributes() throws(ParseError) {
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) {
                    index += 1
                } else if byte == UInt8(ascii: ">") || starts("/>") {
                    return
                } else {
                    _ = try name()
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                        throw fail("attribute without value")
                    }
                    index += 1
                    while index < bytes.count, isSpace(bytes[index]) { index += 1 }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'")
                    else {
                        throw fail("unquoted attribute value")
                    }
                    let quote = bytes[index]
                    index += 1
                    while index < bytes.count, bytes[index] != quote { index += 1 }
                    guard index < bytes.count else { throw fail("unterminated attribute value") }
                    index += 1
                }
            }
            throw fail("unterminated start tag")
        }

        mutating func reference(into text: inout [UInt8]) throws(ParseError) {
            let start = index
            guard let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else {
                throw fail("unterminated entity reference")
            }
            let entity = String(decoding: bytes[(start + 1)..<semicolon], as: UTF8.self)
            index = semicolon + 1
            switch entity {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                guard entity.hasPrefix("#") else {
                    throw ParseError(reason: "unknown entity &\(entity);", offset: start)
                }
                let digits = entity.dropFirst()
                let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                guard let value, let scalar = Unicode.Scalar(value) else {
                    throw ParseError(reason: "invalid character reference &\(entity);", offset: start)
                }
                text.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
        }

        mutating func skip(past terminator: [UInt8]) throws(ParseError) {
            while index + terminator.count <= bytes.count {
                if bytes[index] == terminator[0], bytes[index..<(index + terminator.count)].elementsEqual(terminator) {
                    index += terminator.count
                    return
                }
                index += 1
            }
            throw fail("unterminated construct")
        }

        func starts(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return literal.withUTF8Buffer { buffer in
                bytes[index..<(index + count)].elementsEqual(buffer)
            }
        }

        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        func localName(_ qualified: String) -> String {
            guard let colon = qualified.firstIndex(of: ":") else { return qualified }
            return String(qualified[qualified.index(after: colon)...])
        }
    }
}
