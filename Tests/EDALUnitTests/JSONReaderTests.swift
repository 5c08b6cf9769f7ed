import EDALAWS
import EDALDetection
import Foundation
import Testing

@Suite struct JSONReaderTests {
    /// The reader's value as Foundation objects, to compare with `JSONSerialization`'s reading.
    static func foundation(_ value: JSONValue) -> NSObject {
        switch value {
        case .object(let members):
            let dictionary = NSMutableDictionary()
            for member in members { dictionary[member.name] = foundation(member.value) }
            return dictionary
        case .array(let values): return NSArray(array: values.map(foundation))
        case .string(let text): return NSString(string: text)
        case .number(let text): return NSNumber(value: Double(text) ?? .nan)
        case .bool(let flag): return NSNumber(value: flag)
        case .null: return NSNull()
        }
    }

    @Test("documents read as JSONSerialization reads them: escapes, surrogate pairs, numbers, nesting, repeated names")
    func agreesWithFoundation() throws {
        let documents = [
            #"{"Records":[{"s3":{"object":{"key":"a%2Fb+c","size":1024,"eTag":"\"x\""}}}],"n":null,"t":true,"f":false}"#,
            #"  [1, -0, 0.5, -12.75e3, 1E-2, 123456789012345, [], {}, "", "\u00e9\ud83d\ude00\n\t\"\\\/"]  "#,
            #"{"a":1,"a":2}"#,
            #""just a string""#,
            "{\"\u{e9}t\u{e9}\":\"caf\u{e9} \u{1F600}\"}",
        ]
        for document in documents {
            let ours = Self.foundation(try JSONReader.read(document))
            let theirs =
                try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed]) as? NSObject
            #expect(ours == theirs, "\(document)")
        }
        #expect(
            try JSONReader.read(#"{"a":1,"a":2}"#)["a"] == .number("2"), "the last of a repeated name, as JSONDecoder")
        #expect(try JSONReader.read("[9223372036854775807]").arrayValue?.first?.int64Value == Int64.max)
        #expect(try JSONReader.read("[1.0]").arrayValue?.first?.int64Value == nil, "a fraction is not a whole number")
    }

    @Test("random documents written by JSONSerialization read back the same", arguments: [1, 2, 3] as [UInt64])
    func randomDocuments(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        func value(_ depth: Int) -> Any {
            switch random.next() % (depth > 3 ? 4 : 6) {
            case 0:
                return String(
                    (0..<Int(random.next() % 12)).map { _ in Character(Unicode.Scalar(UInt8(random.next() % 0x7F))) })
                    + (random.next() % 3 == 0 ? "\u{e9}\u{1F600}\u{0001}" : "")
            case 1: return Double(Int64(random.next() % 2_000_000) - 1_000_000) / 8
            case 2: return random.next() % 2 == 0
            case 3: return NSNull()
            case 4: return (0..<Int(random.next() % 5)).map { _ in value(depth + 1) }
            default:
                return Dictionary(
                    uniqueKeysWithValues: (0..<Int(random.next() % 5)).map {
                        ("k\($0)\(random.next() % 100)", value(depth + 1))
                    })
            }
        }
        for _ in 0..<300 {
            let document = ["root": value(0)]
            let data = try JSONSerialization.data(withJSONObject: document)
            let ours = Self.foundation(try JSONReader.read(Array(data)))
            let theirs = try JSONSerialization.jsonObject(with: data) as? NSObject
            #expect(ours == theirs, "\(String(decoding: data, as: UTF8.self))")
        }
    }

    @Test(
        "what JSONWriter writes reads back the same, by JSONSerialization and by JSONReader",
        arguments: [4, 5, 6] as [UInt64])
    func writerRoundTrips(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        func text() -> String {
            // Every control character, quotes, backslashes and characters outside ASCII, among letters.
            let pool: [Character] =
                ["a", "Z", "0", " ", "\"", "\\", "/", "\u{e9}", "\u{1F600}", "\u{2028}", "\u{7F}"]
                + (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
            return String((0..<Int(random.next() % 10)).map { _ in pool[Int(random.next() % UInt64(pool.count))] })
        }
        func value(_ depth: Int) -> JSONValue {
            switch random.next() % (depth > 3 ? 4 : 6) {
            case 0: return .string(text())
            case 1: return .integer(Int64(bitPattern: random.next()) >> (11 + random.next() % 50))
            case 2: return .bool(random.next() % 2 == 0)
            case 3: return .null
            case 4: return .array((0..<Int(random.next() % 5)).map { _ in value(depth + 1) })
            default:
                return .object((0..<Int(random.next() % 5)).map { (name: "k\($0)" + text(), value: value(depth + 1)) })
            }
        }
        for _ in 0..<300 {
            let document = JSONValue.object([(name: "root", value: value(0))])
            let written = JSONWriter.write(document)
            #expect(try JSONReader.read(written) == document, "\(String(decoding: written, as: UTF8.self))")
            let theirs = try JSONSerialization.jsonObject(with: Data(written)) as? NSObject
            #expect(Self.foundation(document) == theirs, "\(String(decoding: written, as: UTF8.self))")
        }
        #expect(
            JSONWriter.write(.members([("A", .integer(1)), ("B", nil), ("C", .string("x\"\n"))]))
                == Array(#"{"A":1,"C":"x\"\n"}"#.utf8))
    }

    @Test("what is not strict JSON is refused with where it stopped")
    func refusals() {
        let refused = [
            "", "   ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "tru", "nul",
            "\"unterminated", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "[1] 2",
            "{\"a\" 1}",
            "[\"\\ud83d\\u0041\"]", "// comment\n1", "'single'", "[NaN]", "[Infinity]",
        ]
        for text in refused {
            #expect(throws: JSONReadError.self, "\(text.debugDescription)") { try JSONReader.read(text) }
        }
        // Invalid UTF-8 inside a string, and nesting past the limit.
        #expect(throws: JSONReadError.self) { try JSONReader.read([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONReadError.self) {
            try JSONReader.read(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
        }
        #expect((try? JSONReader.read(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))) != nil)
    }
}
