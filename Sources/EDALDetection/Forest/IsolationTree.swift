import Foundation

/// One isolation tree, stored flat for fast scoring: node 0 is the root.
///
/// An internal node sends `x[feature] <= threshold` left, the rest right. A leaf holds the path length
/// credited to a point that ends there: its depth plus `c(size)`, the average path length of an
/// unbuilt subtree over the `size` training points that reached it (Liu, Ting and Zhou 2008).
public struct IsolationTree: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        /// The split feature, or -1 at a leaf.
        var feature: Int32
        var left: Int32
        var right: Int32
        /// The threshold at an internal node; the path length at a leaf.
        var value: Double
    }

    var nodes: [Node]
    /// The shortest path length any point can have through this tree (its shallowest leaf's):
    /// what lets `IsolationForest.score(_:ifAtLeast:)` stop early without changing its answer.
    let minimumPathLength: Double

    init(nodes: [Node]) {
        self.nodes = nodes
        minimumPathLength = nodes.lazy.filter { $0.feature < 0 }.map(\.value).min() ?? 0
    }

    /// The path length of `row` through this tree.
    @inline(__always)
    func pathLength(_ row: UnsafeBufferPointer<Double>) -> Double {
        nodes.withUnsafeBufferPointer { nodes in
            var index = 0
            while true {
                let node = nodes[index]
                if node.feature < 0 { return node.value }
                index = Int(row[Int(node.feature)] <= node.value ? node.left : node.right)
            }
        }
    }

    /// Grows a tree on the rows `sample` of `columns` (column-major, `rowCount` rows), to `heightLimit`.
    ///
    /// Nodes are numbered in pre-order (a node, then its whole left subtree, then its right one),
    /// and random numbers are drawn in that order, so a seed always grows the same tree.
    static func grow(
        columns: [Double], rowCount: Int, featureCount: Int, sample: [Int], heightLimit: Int,
        random: inout SeededRandom
    ) -> IsolationTree {
        var nodes: [Node] = []
        nodes.reserveCapacity(2 * sample.count)
        var indices = sample
        var features = Array(0..<featureCount)
        /// A node still to build: the rows it holds, its depth, and where its parent points to it.
        struct Pending {
            var range: Range<Int>
            var depth: Int
            var parent: Int
            var isLeft: Bool
        }
        var pending = [Pending(range: 0..<indices.count, depth: 0, parent: -1, isLeft: true)]
        pending.reserveCapacity(2 * heightLimit + 2)
        columns.withUnsafeBufferPointer { columns in
            indices.withUnsafeMutableBufferPointer { indices in
                features.withUnsafeMutableBufferPointer { features in
                    while let next = pending.popLast() {
                        let index = nodes.count
                        let range = next.range
                        if next.parent >= 0 {
                            if next.isLeft {
                                nodes[next.parent].left = Int32(index)
                            } else {
                                nodes[next.parent].right = Int32(index)
                            }
                        }
                        nodes.append(Node(feature: -1, left: -1, right: -1, value: 0))
                        var split: (feature: Int, threshold: Double, boundary: Int)?
                        if next.depth < heightLimit, range.count > 1 {
                            // Draw features without replacement until one is not constant on this node
                            // (as scikit-learn's random splitter does with max_features=1).
                            var remaining = featureCount
                            while remaining > 0, split == nil {
                                let pick = random.int(in: 0..<remaining)
                                let feature = features[pick]
                                features.swapAt(pick, remaining - 1)
                                remaining -= 1

                                let base = feature * rowCount
                                var lowest = Double.infinity
                                var highest = -Double.infinity
                                for position in range {
                                    let value = columns[base + indices[position]]
                                    lowest = min(lowest, value)
                                    highest = max(highest, value)
                                }
                                guard highest > lowest else { continue }
                                var threshold = random.uniform(lowest, highest)
                                if threshold >= highest { threshold = lowest }
                                // Partition: values <= threshold first.
                                var boundary = range.lowerBound
                                for position in range where columns[base + indices[position]] <= threshold {
                                    indices.swapAt(position, boundary)
                                    boundary += 1
                                }
                                split = (feature, threshold, boundary)
                            }
                        }
                        guard let split else {
                            nodes[index].value = Double(next.depth) + IsolationForest.averagePathLength(range.count)
                            continue
                        }
                        nodes[index].feature = Int32(split.feature)
                        nodes[index].value = split.threshold
                        // Right first onto the stack, so the left subtree is built (and drawn for) first.
                        pending.append(
                            Pending(
                                range: split.boundary..<range.upperBound, depth: next.depth + 1, parent: index,
                                isLeft: false))
                        pending.append(
                            Pending(
                                range: range.lowerBound..<split.boundary, depth: next.depth + 1, parent: index,
                                isLeft: true))
                    }
                }
            }
        }
        return IsolationTree(nodes: nodes)
    }
}

extension IsolationTree: Codable {
    // Nodes are packed little-endian, 20 bytes each (feature, left, right as Int32; value as Float64),
    // so a 100-tree model stays well under a megabyte in the state store.
    private enum CodingKeys: String, CodingKey {
        case nodes
    }

    struct CorruptModel: Error, CustomStringConvertible {
        var description: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let bytes = [UInt8](try container.decode(Data.self, forKey: .nodes))
        guard bytes.count % 20 == 0 else {
            throw CorruptModel(description: "tree data is \(bytes.count) bytes, not a multiple of 20")
        }
        var nodes: [Node] = []
        nodes.reserveCapacity(bytes.count / 20)
        func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
            var value: T = 0
            for byte in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + byte]) << (8 * byte) }
            return value
        }
        for start in stride(from: 0, to: bytes.count, by: 20) {
            nodes.append(
                Node(
                    feature: Int32(bitPattern: load(start, as: UInt32.self)),
                    left: Int32(bitPattern: load(start + 4, as: UInt32.self)),
                    right: Int32(bitPattern: load(start + 8, as: UInt32.self)),
                    value: Double(bitPattern: load(start + 12, as: UInt64.self))
                ))
        }
        let count = Int32(nodes.count)
        for node in nodes where node.feature >= 0 {
            guard (0..<count).contains(node.left), (0..<count).contains(node.right) else {
                throw CorruptModel(description: "tree node points outside the tree")
            }
        }
        guard !nodes.isEmpty else { throw CorruptModel(description: "empty tree") }
        self.init(nodes: nodes)
    }

    public func encode(to encoder: any Encoder) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(nodes.count * 20)
        func store<T: FixedWidthInteger>(_ value: T) {
            for byte in 0..<MemoryLayout<T>.size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * byte))) }
        }
        for node in nodes {
            store(UInt32(bitPattern: node.feature))
            store(UInt32(bitPattern: node.left))
            store(UInt32(bitPattern: node.right))
            store(node.value.bitPattern)
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Data(bytes), forKey: .nodes)
    }
}
