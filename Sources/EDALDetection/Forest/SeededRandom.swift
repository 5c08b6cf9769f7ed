import Foundation

/// A small, fast, seedable random number generator (xoshiro256**, seeded through SplitMix64), so that
/// training and the synthetic data are the same for the same seed on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in `[lower, upper)`.
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func normal(mean: Double = 0, deviation: Double = 1) -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return mean + deviation * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A log-normal value whose median is `median` and whose log has standard deviation `sigma`.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(normal(deviation: sigma))
    }

    /// A uniform integer in `range`, without modulo bias.
    public mutating func int(in range: Range<Int>) -> Int {
        Int.random(in: range, using: &self)
    }
}
