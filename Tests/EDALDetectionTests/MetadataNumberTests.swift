import Testing

@testable import EDALDetection

@Suite("Numbers in metadata")
struct MetadataNumberTests {
    @Test("the fast decimal reader answers exactly what Double(_:) answers, or leaves the text to it")
    func plainDecimalMatchesDouble() {
        var random = SeededRandom(seed: 5)
        var read = 0
        for _ in 0..<200_000 {
            let whole = String(random.int(in: 0..<1_000_000_000))
            let fraction = String(repeating: "0", count: random.int(in: 0..<3)) + String(random.int(in: 0..<10_000_000))
            let text: String
            switch random.int(in: 0..<6) {
            case 0: text = whole
            case 1: text = "-" + whole + "." + fraction
            case 2: text = whole + "." + fraction
            case 3: text = "0." + fraction
            case 4:
                text =
                    String(whole.prefix(random.int(in: 0..<4))) + "." + String(fraction.prefix(random.int(in: 0..<18)))
            default: text = whole + String(repeating: "9", count: random.int(in: 0..<12)) + "." + fraction
            }
            let fast = ObjectObservation.plainDecimal(text)
            if let fast {
                read += 1
                #expect(fast == Double(text), "\(text)")
                #expect(fast.sign == Double(text)?.sign, "\(text)")
            }
        }
        #expect(read > 80_000, "plain decimals of up to 15 digits take the fast path")
        for text in [
            "", "-", ".", "1.", ".5", "1e3", "+1", " 1", "1 ", "0x10", "nan", "inf", "1.2.3", "1234567890123456", "--1",
            "١٢",
        ] {
            #expect(ObjectObservation.plainDecimal(text) == nil, "\(text) is left to Double(_:)")
        }
        #expect(ObjectObservation.plainDecimal("-0") == 0)
        #expect(ObjectObservation.plainDecimal("0.13580") == 0.1358)
    }

    @Test("numeric metadata reads plain, signed, exponent and padded numbers and skips words and non-finite values")
    func numericMetadata() {
        let observation = ObjectObservation(
            bucket: "b", key: "k", eTag: "e", size: 1, lastModified: .init(timeIntervalSince1970: 0),
            metadata: [
                "a": "12", "b": "-0.5", "c": "1e3", "d": " 7 ", "e": "production", "f": "nan",
                "g": "inf", "h": "1e400",
            ])
        #expect(observation.numericMetadata == ["a": 12, "b": -0.5, "c": 1000, "d": 7])
    }
}
