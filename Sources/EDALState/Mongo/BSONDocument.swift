/// An ordered BSON document with its own encoder and decoder, so that EDAL builds and reads BSON as
/// Swift values and hands libmongoc only finished bytes (no `bson_t` to leak).
public struct BSONDocument: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String]
    public private(set) var values: [BSONValue]

    public init() {
        keys = []
        values = []
    }

    public init(_ elements: [(String, BSONValue)]) {
        keys = elements.map(\.0)
        values = elements.map(\.1)
    }

    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.init(elements)
    }

    /// The first value stored under `key`; setting appends a new key or replaces the first one.
    public subscript(key: String) -> BSONValue? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public var isEmpty: Bool { keys.isEmpty }

    // MARK: Encoding

    /// The document's BSON bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + keys.count * 24)
        Self.append(self, to: &out)
        return out
    }

    private static func append(_ document: BSONDocument, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        for (key, value) in zip(document.keys, document.values) {
            appendElement(key: key, value: value, to: &out)
        }
        out.append(0)
        writeInt32(Int32(out.count - start), at: start, in: &out)
    }

    private static func appendElement(key: String, value: BSONValue, to out: inout [UInt8]) {
        func name() {
            out.append(contentsOf: key.utf8.filter { $0 != 0 })
            out.append(0)
        }
        switch value {
        case .double(let number):
            out.append(0x01)
            name()
            appendLittleEndian(number.bitPattern, to: &out)
        case .string(let string):
            out.append(0x02)
            name()
            let bytes = Array(string.utf8)
            appendLittleEndian(UInt32(bytes.count + 1), to: &out)
            out.append(contentsOf: bytes)
            out.append(0)
        case .document(let document):
            out.append(0x03)
            name()
            append(document, to: &out)
        case .array(let items):
            out.append(0x04)
            name()
            append(BSONDocument(items.enumerated().map { (String($0.offset), $0.element) }), to: &out)
        case .binary(let bytes):
            out.append(0x05)
            name()
            appendLittleEndian(UInt32(bytes.count), to: &out)
            out.append(0x00)
            out.append(contentsOf: bytes)
        case .objectId(let bytes):
            out.append(0x07)
            name()
            out.append(contentsOf: bytes.prefix(12))
            if bytes.count < 12 { out.append(contentsOf: [UInt8](repeating: 0, count: 12 - bytes.count)) }
        case .bool(let flag):
            out.append(0x08)
            name()
            out.append(flag ? 1 : 0)
        case .date(let milliseconds):
            out.append(0x09)
            name()
            appendLittleEndian(UInt64(bitPattern: milliseconds), to: &out)
        case .null, .unsupported:
            out.append(0x0A)
            name()
        case .int32(let number):
            out.append(0x10)
            name()
            appendLittleEndian(UInt32(bitPattern: number), to: &out)
        case .timestamp(let number):
            out.append(0x11)
            name()
            appendLittleEndian(number, to: &out)
        case .int64(let number):
            out.append(0x12)
            name()
            appendLittleEndian(UInt64(bitPattern: number), to: &out)
        }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { out.append(contentsOf: $0) }
    }

    private static func writeInt32(_ value: Int32, at index: Int, in out: inout [UInt8]) {
        let bits = UInt32(bitPattern: value)
        out[index] = UInt8(truncatingIfNeeded: bits)
        out[index + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        out[index + 2] = UInt8(truncatingIfNeeded: bits >> 16)
        out[index + 3] = UInt8(truncatingIfNeeded: bits >> 24)
    }

    // MARK: Decoding

    /// Why bytes are not a BSON document.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { "BSON: \(reason)" }
    }

    /// Decodes one document from `bytes`.
    public init(decoding bytes: [UInt8]) throws(DecodingError) {
        var reader = Reader(bytes: bytes, index: 0)
        self = try reader.document()
    }

    private struct Reader {
        let bytes: [UInt8]
        var index: Int

        mutating func need(_ count: Int) throws(DecodingError) {
            guard count >= 0, index + count <= bytes.count else {
                throw DecodingError(reason: "truncated at byte \(index)")
            }
        }

        mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws(DecodingError) -> T {
            let size = MemoryLayout<T>.size
            try need(size)
            var value: T = 0
            for offset in 0..<size { value |= T(bytes[index + offset]) << (8 * offset) }
            index += size
            return value
        }

        mutating func cString() throws(DecodingError) -> String {
            guard let end = bytes[index...].firstIndex(of: 0) else { throw DecodingError(reason: "unterminated key") }
            let string = String(decoding: bytes[index..<end], as: UTF8.self)
            index = end + 1
            return string
        }

        mutating func document() throws(DecodingError) -> BSONDocument {
            let start = index
            let length = Int(try integer(Int32.self))
            guard length >= 5, start + length <= bytes.count else {
                throw DecodingError(reason: "bad document length \(length)")
            }
            let end = start + length - 1
            var document = BSONDocument()
            while index < end {
                let type = bytes[index]
                index += 1
                let key = try cString()
                let value = try self.value(type: type)
                document.keys.append(key)
                document.values.append(value)
            }
            guard index == end, bytes[end] == 0 else { throw DecodingError(reason: "document overruns its length") }
            index = end + 1
            return document
        }

        mutating func value(type: UInt8) throws(DecodingError) -> BSONValue {
            switch type {
            case 0x01: return .double(Double(bitPattern: try integer(UInt64.self)))
            case 0x02, 0x0D, 0x0E:
                let length = Int(try integer(Int32.self))
                try need(length)
                guard length >= 1 else { throw DecodingError(reason: "bad string length") }
                let string = String(decoding: bytes[index..<(index + length - 1)], as: UTF8.self)
                index += length
                return type == 0x02 ? .string(string) : .unsupported(type)
            case 0x03: return .document(try document())
            case 0x04: return .array(try document().values)
            case 0x05:
                let length = Int(try integer(Int32.self))
                guard length >= 0 else { throw DecodingError(reason: "bad binary length \(length)") }
                try need(length + 1)
                let subtype = bytes[index]
                index += 1
                var payload = Array(bytes[index..<(index + length)])
                if subtype == 0x02, payload.count >= 4 { payload.removeFirst(4) }  // old binary subtype
                index += length
                return .binary(payload)
            case 0x06, 0x0A, 0x7F, 0xFF: return type == 0x0A ? .null : .unsupported(type)
            case 0x07:
                try need(12)
                defer { index += 12 }
                return .objectId(Array(bytes[index..<(index + 12)]))
            case 0x08:
                try need(1)
                defer { index += 1 }
                return .bool(bytes[index] != 0)
            case 0x09: return .date(Int64(bitPattern: try integer(UInt64.self)))
            case 0x0B:
                _ = try cString()
                _ = try cString()
                return .unsupported(type)
            case 0x0C:
                let length = Int(try integer(Int32.self))
                guard length >= 1 else { throw DecodingError(reason: "bad DBPointer length \(length)") }
                try need(length + 12)
                index += length + 12
                return .unsupported(type)
            case 0x0F:
                let length = Int(try integer(Int32.self))
                guard length >= 14 else { throw DecodingError(reason: "bad code-with-scope length \(length)") }
                try need(length - 4)
                index += length - 4
                return .unsupported(type)
            case 0x10: return .int32(Int32(bitPattern: try integer(UInt32.self)))
            case 0x11: return .timestamp(try integer(UInt64.self))
            case 0x12: return .int64(Int64(bitPattern: try integer(UInt64.self)))
            case 0x13:
                try need(16)
                index += 16
                return .unsupported(type)
            default:
                throw DecodingError(reason: "unknown element type 0x\(String(type, radix: 16))")
            }
        }
    }
}
