import Foundation

/// A BSON value: the subset of the types EDAL writes, plus the ones a server may send back.
public enum BSONValue: Sendable, Equatable {
    case double(Double)
    case string(String)
    case document(BSONDocument)
    case array([BSONValue])
    case binary([UInt8])
    case objectId([UInt8])
    case bool(Bool)
    /// Milliseconds since 1970, UTC.
    case date(Int64)
    case null
    case int32(Int32)
    case timestamp(UInt64)
    case int64(Int64)
    /// A type EDAL does not read (decimal128, regex, code …), kept as its type byte.
    case unsupported(UInt8)

    public static func date(_ date: Date) -> BSONValue {
        .date(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// The value as a date, when it is one.
    public var dateValue: Date? {
        if case .date(let milliseconds) = self { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Any numeric type as `Int64` (servers answer counts as int32, int64 or double).
    public var int64Value: Int64? {
        switch self {
        case .int32(let value): return Int64(value)
        case .int64(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9e18: return Int64(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .double(let value): return value
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(value)
        default: return nil
        }
    }

    public var documentValue: BSONDocument? {
        if case .document(let value) = self { return value }
        return nil
    }

    public var arrayValue: [BSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, BSONValue)...) { self = .document(BSONDocument(elements)) }
}
