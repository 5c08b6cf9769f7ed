/// FNV-1a, 64 bits: the stable hash baselines are keyed by (an object's identity, its content, a
/// source's seed, a learnt value). Stable across processes and versions, unlike `Hasher`, because
/// replicas compare these values through the store.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
    }

    mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01B3
    }

    /// Ends a part, so that `("ab", "c")` and `("a", "bc")` differ.
    mutating func endPart() { add(0xFF) }

    static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.add(text)
        return hasher.value
    }
}
