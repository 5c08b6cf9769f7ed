import Testing

@testable import EDALDetection

@Suite("Statistics")
struct StatisticsTests {
    /// The quantile read off a sorted copy at (n − 1)·q, interpolated: what selection must match.
    static func sortedQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let position = Double(sorted.count - 1) * q
        let lower = Int(position.rounded(.down))
        let upper = min(sorted.count - 1, lower + 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    @Test("quantiles by selection equal quantiles of the sorted values, with ties, tiny and odd sizes")
    func quantilesMatchSorting() {
        var random = SeededRandom(seed: 11)
        let qs = [0, 0.05, 0.25, 0.5, 0.9, 0.95, 1]
        for size in [1, 2, 3, 4, 5, 17, 100, 255, 256] {
            for shape in 0..<4 {
                let values: [Double] = (0..<size).map { _ in
                    switch shape {
                    case 0: return random.normal(deviation: 3)
                    case 1: return random.uniform(0, 1) < 0.8 ? 0 : Double(random.int(in: 1..<4))  // mostly zeros
                    case 2: return 7  // constant
                    default: return Double(random.int(in: 0..<5))  // few distinct values
                    }
                }
                var work = values
                let selected = Statistics.quantiles(&work, at: qs)
                #expect(selected == qs.map { Self.sortedQuantile(values, $0) }, "size \(size), shape \(shape)")
                #expect(work.sorted() == values.sorted(), "selection only reorders")
                // Out of order requests too.
                var again = values
                #expect(
                    Statistics.quantiles(&again, at: [0.9, 0.1]) == [0.9, 0.1].map { Self.sortedQuantile(values, $0) })
            }
        }
        var empty: [Double] = []
        #expect(Statistics.quantiles(&empty, at: [0.5]).isEmpty)
    }
}
