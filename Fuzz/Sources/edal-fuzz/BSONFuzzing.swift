import EDALState

/// MongoDB replies. A document that decodes encodes to bytes that decode to the same document
/// (compared as bytes, so a NaN is equal to itself).
enum BSONFuzzing {
    static func run(_ bytes: [UInt8]) {
        guard let document = try? BSONDocument(decoding: bytes) else { return }
        let encoded = document.encoded()
        guard let again = try? BSONDocument(decoding: encoded) else {
            fatalError("property violated: a decoded document's own encoding does not decode")
        }
        require(again.encoded() == encoded, "a decoded document does not survive an encode/decode round trip")
    }
}
