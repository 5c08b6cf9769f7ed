import EDALTestSupport
import Foundation
import Testing

@testable import EDALDetection

@Suite("IsolationForest")
struct IsolationForestTests {
    /// 980 points from two Gaussian clusters and 20 scattered outliers, in 5 dimensions.
    static func clusteredData(seed: UInt64) -> (rows: [[Double]], outliers: Set<Int>) {
        var random = SeededRandom(seed: seed)
        var rows: [[Double]] = []
        for index in 0..<980 {
            let centre: Double = index % 2 == 0 ? 0 : 6
            rows.append((0..<5).map { _ in random.normal(mean: centre, deviation: 1) })
        }
        for _ in 0..<20 {
            rows.append((0..<5).map { _ in random.uniform(-12, 18) })
        }
        return (rows, Set(980..<1000))
    }

    @Test("c(n) is the average unsuccessful-search path length")
    func averagePathLength() {
        #expect(IsolationForest.averagePathLength(0) == 0)
        #expect(IsolationForest.averagePathLength(1) == 0)
        #expect(IsolationForest.averagePathLength(2) == 1)
        // 2(ln 255 + γ) − 2·255/256
        #expect(abs(IsolationForest.averagePathLength(256) - 10.244_770_920_116_851) < 1e-9)
    }

    @Test("stopping early gives the same answer as the full score, at every threshold")
    func earlyStopIsExact() throws {
        let (rows, _) = Self.clusteredData(seed: 3)
        let forest = try IsolationForest.train(rows, parameters: .init(treeCount: 100, seed: 5))
        var random = SeededRandom(seed: 9)
        // The training rows, and probes from inside the clusters to far outside them.
        let probes = rows + (0..<500).map { _ in (0..<5).map { _ in random.uniform(-20, 26) } }
        var fired = 0
        for threshold in [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.74] {
            for probe in probes {
                let full = forest.score(probe)
                let early = forest.score(probe, ifAtLeast: threshold)
                #expect(early == (full >= threshold ? full : nil), "threshold \(threshold), score \(full)")
                if early != nil { fired += 1 }
            }
        }
        // Both answers occur, so the comparison covers both.
        #expect(fired > 100 && fired < 7 * probes.count - 100, "\(fired)")
    }

    @Test("the height limit is ⌈log₂ ψ⌉ and ψ = min(256, n)")
    func shape() throws {
        let (rows, _) = Self.clusteredData(seed: 1)
        let forest = try IsolationForest.train(rows, parameters: .init(treeCount: 50, seed: 7))
        #expect(forest.sampleSize == 256)
        #expect(forest.trees.count == 50)
        let small = try IsolationForest.train(Array(rows.prefix(100)), parameters: .init(treeCount: 10))
        #expect(small.sampleSize == 100)
        for tree in forest.trees {
            // A leaf's path length is its depth (≤ 8) plus c(size ≤ 256).
            #expect(
                tree.nodes.filter { $0.feature < 0 }.allSatisfy {
                    $0.value <= 8 + IsolationForest.averagePathLength(256)
                })
            #expect(tree.nodes.count <= 511)
        }
    }

    @Test("the same seed gives the same model; it survives encoding")
    func deterministicAndCodable() throws {
        let (rows, _) = Self.clusteredData(seed: 2)
        let a = try IsolationForest.train(rows, parameters: .init(seed: 42))
        let b = try IsolationForest.train(rows, parameters: .init(seed: 42))
        let c = try IsolationForest.train(rows, parameters: .init(seed: 43))
        #expect(a == b)
        #expect(a != c)
        let decoded = try JSONDecoder().decode(IsolationForest.self, from: JSONEncoder().encode(a))
        #expect(decoded == a)
        #expect(rows.prefix(50).allSatisfy { decoded.score($0) == a.score($0) })
    }

    @Test("outliers score highest; every score is in (0, 1]")
    func outliersScoreHighest() throws {
        let (rows, outliers) = Self.clusteredData(seed: 3)
        let forest = try IsolationForest.train(rows, parameters: .init(seed: 1))
        let scores = rows.map(forest.score)
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        let top = Set(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(20))
        #expect(top.intersection(outliers).count >= 17)
        #expect(outliers.allSatisfy { scores[$0] > 0.5 })
    }

    @Test("training refuses unusable data with a typed error")
    func refusesUnusableData() {
        #expect(throws: IsolationForest.TrainingError.notEnoughRows(1)) { try IsolationForest.train([[1, 2]]) }
        #expect(throws: IsolationForest.TrainingError.raggedRows(expected: 2, row: 1, found: 1)) {
            try IsolationForest.train([[1, 2], [3]])
        }
        #expect(throws: IsolationForest.TrainingError.notFinite(row: 1, feature: 0)) {
            try IsolationForest.train([[1, 2], [.nan, 3], [4, 5]])
        }
        // Constant data cannot be split: every point is a leaf at the root.
        let constant = try? IsolationForest.train(
            Array(repeating: [1.0, 1.0], count: 10), parameters: .init(treeCount: 3))
        #expect(constant?.trees.allSatisfy { $0.nodes.count == 1 } == true)
    }

    @Test("agrees with scikit-learn: scores rank alike and the same outliers come first")
    func agreesWithScikitLearn() throws {
        guard let python = try TestTools.python() else { return }
        let (rows, _) = Self.clusteredData(seed: 4)
        let request: [String: Any] = ["train": rows, "score": rows, "trees": 1000, "seed": 0]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal-iforest-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: request).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try ProcessRunner.run(
            python, [Repository.path("infra/testing/isolation_forest_reference.py"), file.path])
        let reference = try JSONDecoder().decode([Double].self, from: output)

        let forest = try IsolationForest.train(rows, parameters: .init(treeCount: 1000, seed: 99))
        let ours = rows.map(forest.score)
        let rho = Statistics.spearman(ours, reference)
        let meanDifference = zip(ours, reference).map { abs($0 - $1) }.reduce(0, +) / Double(rows.count)
        print(
            "IsolationForest vs scikit-learn 1.7.2 (1000 trees, 1000 rows): Spearman ρ = \(rho), mean |Δs| = \(meanDifference)"
        )
        #expect(rho > 0.97)
        #expect(meanDifference < 0.01)
        let topOurs = Set(ours.indices.sorted { ours[$0] > ours[$1] }.prefix(20))
        let topReference = Set(reference.indices.sorted { reference[$0] > reference[$1] }.prefix(20))
        #expect(topOurs.intersection(topReference).count >= 18)
    }
}
