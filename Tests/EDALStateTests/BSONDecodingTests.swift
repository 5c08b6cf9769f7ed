import Foundation
import Testing

@testable import EDALState

/// MongoDB's replies are bytes from the network: a malformed one is a decoding error, never a crash.
@Suite struct BSONDecodingTests {
    /// `{a: <binary of `length`>}` with no payload bytes after the subtype.
    static func binaryElement(length: Int32) -> [UInt8] {
        var element: [UInt8] = [0x05, 0x61, 0x00]
        element += withUnsafeBytes(of: length.littleEndian, Array.init)
        element.append(0x00)
        let total = Int32(4 + element.count + 1)
        return withUnsafeBytes(of: total.littleEndian, Array.init) + element + [0x00]
    }

    @Test("a binary element of length -1 (or past the end) fails the reply instead of crashing")
    func negativeBinaryLength() {
        #expect(throws: BSONDocument.DecodingError.self) { try BSONDocument(decoding: Self.binaryElement(length: -1)) }
        #expect(throws: BSONDocument.DecodingError.self) { try BSONDocument(decoding: Self.binaryElement(length: 40)) }
        #expect(throws: Never.self) { try BSONDocument(decoding: Self.binaryElement(length: 0)) }
    }

    @Test("every truncation and every single-byte change of a real reply decodes or throws")
    func mutatedReplies() throws {
        let reply: BSONDocument = [
            "ok": 1.0, "n": .int32(2),
            "cursor": [
                "firstBatch": [
                    [
                        "_id": "b/k", "etag": "e", "payload": .binary([1, 2, 3]),
                        "leaseUntil": .date(Date(timeIntervalSince1970: 1_800_000_000)),
                    ]
                ]
            ],
            "writeErrors": [["index": .int32(1), "code": .int32(11000), "errmsg": "dup"]],
        ]
        let bytes = reply.encoded()
        #expect(try BSONDocument(decoding: bytes) == reply)
        for length in 0..<bytes.count {
            _ = try? BSONDocument(decoding: Array(bytes.prefix(length)))
        }
        for position in bytes.indices {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF] {
                var mutated = bytes
                mutated[position] = value
                _ = try? BSONDocument(decoding: mutated)
            }
        }
    }
}
