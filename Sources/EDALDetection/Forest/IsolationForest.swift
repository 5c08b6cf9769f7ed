import Foundation

/// An IsolationForest (Liu, Ting and Zhou, 2008), built as scikit-learn builds it.
///
/// Each tree grows on ψ = min(`maxSampleSize`, n) rows drawn without replacement, to the height limit
/// ⌈log₂ ψ⌉; each node splits on a random non-constant feature at a uniform random threshold between
/// that feature's minimum and maximum at the node. The score of a point is
/// s = 2^(−E[h(x)] / c(ψ)), where h(x) is its path length (depth plus c(size) at the leaf) and c(n) the
/// average path length of an unsuccessful search in a binary search tree of n points. s near 1 is
/// an outlier; s well below 0.5 is normal (scikit-learn's `score_samples` is −s).
///
/// Deterministic for a seed, `Codable` so one trained model is shared by every replica.
public struct IsolationForest: Sendable, Equatable, Codable {
    public struct Parameters: Sendable, Equatable {
        public var treeCount: Int
        public var maxSampleSize: Int
        public var seed: UInt64

        public init(treeCount: Int = 100, maxSampleSize: Int = 256, seed: UInt64 = 0) {
            self.treeCount = treeCount
            self.maxSampleSize = maxSampleSize
            self.seed = seed
        }
    }

    /// Why a forest could not be trained.
    public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
        case notEnoughRows(Int)
        case raggedRows(expected: Int, row: Int, found: Int)
        case notFinite(row: Int, feature: Int)

        public var description: String {
            switch self {
            case .notEnoughRows(let count): return "an IsolationForest needs at least 2 rows to train on, got \(count)"
            case .raggedRows(let expected, let row, let found):
                return "row \(row) has \(found) features, expected \(expected)"
            case .notFinite(let row, let feature): return "row \(row) feature \(feature) is not a finite number"
            }
        }
    }

    public let featureCount: Int
    /// ψ, the rows each tree was grown on.
    public let sampleSize: Int
    public let trees: [IsolationTree]
    /// c(ψ), the normaliser of the score.
    public let normaliser: Double

    /// Trains on `rows` (every row the same length, finite values).
    public static func train(_ rows: [[Double]], parameters: Parameters = .init()) throws(TrainingError)
        -> IsolationForest
    {
        guard rows.count >= 2 else { throw .notEnoughRows(rows.count) }
        let featureCount = rows[0].count
        var columns = [Double](repeating: 0, count: featureCount * rows.count)
        for (rowIndex, row) in rows.enumerated() {
            guard row.count == featureCount else {
                throw .raggedRows(expected: featureCount, row: rowIndex, found: row.count)
            }
            for (feature, value) in row.enumerated() {
                guard value.isFinite else { throw .notFinite(row: rowIndex, feature: feature) }
                columns[feature * rows.count + rowIndex] = value
            }
        }
        let sampleSize = min(max(parameters.maxSampleSize, 2), rows.count)
        let heightLimit = Int(log2(Double(max(sampleSize, 2))).rounded(.up))
        var random = SeededRandom(seed: parameters.seed)
        var population = Array(0..<rows.count)
        var trees: [IsolationTree] = []
        trees.reserveCapacity(parameters.treeCount)
        for _ in 0..<max(1, parameters.treeCount) {
            // Partial Fisher–Yates: the first ψ entries become a sample without replacement.
            for position in 0..<sampleSize {
                population.swapAt(position, random.int(in: position..<rows.count))
            }
            trees.append(
                IsolationTree.grow(
                    columns: columns, rowCount: rows.count, featureCount: featureCount,
                    sample: Array(population[0..<sampleSize]), heightLimit: heightLimit, random: &random
                ))
        }
        return IsolationForest(
            featureCount: featureCount, sampleSize: sampleSize, trees: trees,
            normaliser: averagePathLength(sampleSize))
    }

    /// The mean path length E[h(x)] of `row` over the trees.
    public func meanPathLength(_ row: [Double]) -> Double {
        precondition(
            row.count == featureCount, "the row has \(row.count) features; the forest was trained on \(featureCount)")
        return row.withUnsafeBufferPointer { row in
            var total = 0.0
            for tree in trees { total += tree.pathLength(row) }
            return total / Double(trees.count)
        }
    }

    /// The anomaly score s = 2^(−E[h(x)] / c(ψ)), in (0, 1]: higher is more anomalous.
    public func score(_ row: [Double]) -> Double {
        exp2(-meanPathLength(row) / normaliser)
    }

    /// The score of `row` when it is at least `threshold`, else `nil` — the same answer as comparing
    /// `score(row)` with `threshold`, usually after a third of the trees: walking stops as soon as the
    /// path lengths so far, plus the shortest each remaining tree allows, rule the threshold out.
    public func score(_ row: [Double], ifAtLeast threshold: Double) -> Double? {
        precondition(
            row.count == featureCount, "the row has \(row.count) features; the forest was trained on \(featureCount)")
        guard threshold > 0 else { return score(row) }
        // score ≥ t ⇔ E[h] ≤ −c(ψ)·log₂ t ⇔ Σ h ≤ limit; a hair of slack keeps rounding on the safe side.
        let limit = -normaliser * log2(threshold) * Double(trees.count) * (1 + 1e-12) + 1e-12
        var remainingFloor = 0.0
        for tree in trees { remainingFloor += tree.minimumPathLength }
        let total: Double? = row.withUnsafeBufferPointer { row in
            var total = 0.0
            for tree in trees {
                total += tree.pathLength(row)
                remainingFloor -= tree.minimumPathLength
                if total + remainingFloor > limit { return nil }
            }
            return total
        }
        guard let total else { return nil }
        let score = exp2(-(total / Double(trees.count)) / normaliser)
        return score >= threshold ? score : nil
    }

    /// c(n): the average path length of an unsuccessful search in a binary search tree of `n` points,
    /// 2H(n−1) − 2(n−1)/n with H(i) ≈ ln(i) + γ; c(2) = 1, c(n ≤ 1) = 0.
    public static func averagePathLength(_ n: Int) -> Double {
        if n < smallPathLengths.count { return smallPathLengths[max(n, 0)] }
        return computedPathLength(n)
    }

    /// c(n) for every n up to the default ψ: a leaf of a tree being grown looks it up instead of
    /// taking a logarithm (a tree has ~100 leaves; training was 15 % logarithms).
    private static let smallPathLengths: [Double] = (0...256).map(computedPathLength)

    private static func computedPathLength(_ n: Int) -> Double {
        if n <= 1 { return 0 }
        if n == 2 { return 1 }
        let m = Double(n - 1)
        return 2 * (log(m) + 0.577_215_664_901_532_9) - 2 * m / Double(n)
    }
}
