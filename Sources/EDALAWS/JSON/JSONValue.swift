/// A parsed JSON document, for the few shapes read on the hot path (SQS's `ReceiveMessage` answer, S3
/// notifications) where `JSONDecoder`'s generality costs more than the rest of the parsing.
///
/// Objects keep their members in order; a name given twice answers its last value, as `JSONDecoder`
/// does. Numbers keep their text, so integers are read exactly (`int64Value`).
public enum JSONValue: Sendable, Equatable {
    case object([(name: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// The number as written (already checked against JSON's number grammar).
    case number(String)
    case bool(Bool)
    case null

    /// The member `name` of an object (`nil`: not an object, no such member).
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.name == name }?.value
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An integer written without fraction or exponent that fits in 64 bits.
    public var int64Value: Int64? {
        if case .number(let text) = self { return Int64(text) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && zip(left, right).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        case (.array(let left), .array(let right)): return left == right
        case (.string(let left), .string(let right)): return left == right
        case (.number(let left), .number(let right)): return left == right
        case (.bool(let left), .bool(let right)): return left == right
        case (.null, .null): return true
        default: return false
        }
    }
}
