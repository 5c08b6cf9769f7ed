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
    static func grow(columns: [Double], rowCount: Int, featureCount: Int, sample: [Int], heightLimit: Int,
                     random: inout SeededRandom) -> IsolationTree {
        var nodes: [Node] = []
        nodes.reserveCapacity(2 * sample.count)
        var indices = sample
        var features = Array(0..<featureCount)

        func build(_ range: Range<Int>, depth: Int) -> Int32 {
            let index = Int32(nodes.count)
            nodes.append(Node(feature: -1, left: -1, right: -1, value: 0))
            let size = range.count
            func leaf() -> Int32 {
                nodes[Int(index)].value = Double(depth) + IsolationForest.averagePathLength(size)
                return index
            }
            guard depth < heightLimit, size > 1 else { return leaf() }

            // Draw features without replacement until one is not constant on this node (as
            // scikit-learn's random splitter does with max_features=1).
            var remaining = featureCount
            while remaining > 0 {
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
                nodes[Int(index)].feature = Int32(feature)
                nodes[Int(index)].value = threshold
                let left = build(range.lowerBound..<boundary, depth: depth + 1)
                let right = build(boundary..<range.upperBound, depth: depth + 1)
                nodes[Int(index)].left = left
                nodes[Int(index)].right = right
                return index
            }
            return leaf()
        }

        _ = build(0..<indices.count, depth: 0)
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
        guard bytes.count % 20 == 0 else { throw CorruptModel(description: "tree data is \(bytes.count) bytes, not a multiple of 20") }
        var nodes: [Node] = []
        nodes.reserveCapacity(bytes.count / 20)
        func load<T: FixedWidthInteger>(_ offset: Int, as type: T.Type) -> T {
            var value: T = 0
            for byte in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + byte]) << (8 * byte) }
            return value
        }
        for start in stride(from: 0, to: bytes.count, by: 20) {
            nodes.append(Node(
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
        self.nodes = nodes
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
