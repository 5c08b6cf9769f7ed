import Foundation

/// The statistics of a baseline that the checks compare objects with, computed from its recent
/// arrivals once and reused until enough new objects arrived (the checks then cost a few
/// comparisons per object, not a sort).
public struct SourceProfile: Sendable {
    /// A robust centre and spread: the median and the scaled MAD (floored, so that a source
    /// that never varied does not make every small change infinite).
    public struct Spread: Sendable, Equatable {
        public var median: Double
        public var spread: Double
        public var p95: Double
        public var p5: Double
        /// How many values it was computed from.
        public var count: Int

        /// The spread is the scaled MAD, but at least half the standard deviation (a field that is
        /// mostly one value and sometimes another is not infinitely surprised by the other) and `floor`.
        init?(_ values: [Double], floor: Double) {
            guard !values.isEmpty else { return nil }
            // Selection, not sorting: a profile refresh computes one of these per numeric field.
            var work = values
            let bands = Statistics.quantiles(&work, at: [0.05, 0.5, 0.95])
            let centre = bands[1]
            median = centre
            p95 = bands[2]
            p5 = bands[0]
            count = values.count
            let mean = values.reduce(0, +) / Double(values.count)
            let deviation = values.count > 1
                ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : 0
            for index in work.indices { work[index] = abs(work[index] - centre) }
            let mad = Statistics.quantiles(&work, at: [0.5])[0]
            spread = max(1.4826 * mad, deviation / 2, floor)
        }

        static func quantile(_ sorted: [Double], _ q: Double) -> Double {
            let position = Double(sorted.count - 1) * q
            let lower = Int(position.rounded(.down)), upper = min(sorted.count - 1, lower + 1)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
        }

        public func deviation(_ value: Double) -> Double { (value - median) / spread }

        /// Whether `value` lies beyond the 5th–95th percentile band by at least `spreads` spreads:
        /// a guard for fields whose values are few and discrete (counts that are mostly 0).
        public func outsideBand(_ value: Double, spreads: Double) -> Bool {
            value > p95 + spreads * spread || value < p5 - spreads * spread
        }
    }

    /// The forest over a source's numeric features, and the features in its order.
    public struct Model: Sendable {
        public var fields: [String]
        public var forest: IsolationForest
        public var medians: [Double]
    }

    /// The baseline's object count when this profile was computed.
    public var builtAt: Int64
    /// The LastModified (seconds since 1970) of the newest arrival it was computed from.
    public var builtThrough: Double?
    public var recentCount: Int
    /// Mean seconds between arrivals over the recent ones.
    public var cadence: Double?
    /// The 90th percentile of the gaps between arrivals: what "a usual wait" is for silence.
    public var usualGap: Double?
    /// ln(1 + size).
    public var logSize: Spread?
    public var medianSize: Double?
    public var lag: Spread?
    /// Per numeric metadata field, of its signed log (`signedLog`).
    public var fields: [String: Spread]
    public var model: Model?

    /// The profile of `baseline`; trains a forest over the numeric features when the source has
    /// numeric metadata and at least `minimumRowsForModel` recent objects with it.
    public init(_ baseline: SourceBaseline, trainModel: Bool = true, minimumRowsForModel: Int = 32, seed: UInt64 = 0) {
        let recent = baseline.recent
        builtAt = baseline.objectCount
        builtThrough = recent.last?.time
        recentCount = recent.count
        if recent.count >= 2, let first = recent.first, let last = recent.last, last.time > first.time {
            cadence = (last.time - first.time) / Double(recent.count - 1)
            var gaps: [Double] = []
            gaps.reserveCapacity(recent.count - 1)
            for index in 1..<recent.count { gaps.append(recent[index].time - recent[index - 1].time) }
            gaps.sort()
            usualGap = Spread.quantile(gaps, 0.9)
        }
        logSize = Spread(recent.map { log1p(Double(max(0, $0.size))) }, floor: 0.05)
        medianSize = logSize.map { expm1($0.median) }
        lag = Spread(recent.compactMap(\.lag), floor: 1)
        var columns: [String: [Double]] = [:]
        for arrival in recent {
            for (field, value) in arrival.values ?? [:] { columns[field, default: []].append(value) }
        }
        var fields: [String: Spread] = [:]
        for field in Array(columns.keys) {
            guard var values = columns[field] else { continue }
            let isCount = values.allSatisfy { $0 >= 0 && $0 == $0.rounded() }
            for index in values.indices { values[index] = Self.signedLog(values[index]) }
            columns[field] = values
            guard var spread = Spread(values, floor: 0.02) else { continue }
            // Counts (whole numbers ≥ 0) vary like Poisson counts: ln(1 + n) moves by about 1/√(n + 1) by chance alone.
            if isCount {
                spread.spread = max(spread.spread, 1 / expm1(spread.median).magnitude.advanced(by: 1).squareRoot())
            }
            fields[field] = spread
        }
        self.fields = fields
        model = trainModel ? Self.train(recent: recent, fields: fields, columns: columns, minimumRows: minimumRowsForModel, seed: seed) : nil
    }

    /// sign(x) · ln(1 + |x|): counts, sizes and latencies spread with their size; rates stay near themselves.
    public static func signedLog(_ value: Double) -> Double {
        value < 0 ? -log1p(-value) : log1p(value)
    }

    private static func train(recent: [SourceBaseline.Arrival], fields: [String: Spread], columns: [String: [Double]],
                              minimumRows: Int, seed: UInt64) -> Model? {
        // Fields nearly every recent object has; the size always.
        let withValues = recent.filter { $0.values != nil }
        guard withValues.count >= minimumRows else { return nil }
        let chosen = columns.filter { Double($0.value.count) >= 0.9 * Double(withValues.count) }.keys.sorted()
        guard !chosen.isEmpty else { return nil }
        let medians = chosen.map { fields[$0]?.median ?? 0 }
        var rows: [[Double]] = []
        rows.reserveCapacity(withValues.count)
        for arrival in withValues {
            var row = [log1p(Double(max(0, arrival.size)))]
            for (index, field) in chosen.enumerated() {
                row.append(arrival.values?[field].map(signedLog) ?? medians[index])
            }
            rows.append(row)
        }
        guard let forest = try? IsolationForest.train(rows, parameters: .init(treeCount: 100, maxSampleSize: 256, seed: seed)) else { return nil }
        return Model(fields: chosen, forest: forest, medians: medians)
    }

    /// The summary a signal carries.
    public func summary(of baseline: SourceBaseline) -> BaselineSummary {
        BaselineSummary(objects: baseline.objectCount, recent: recentCount, cadenceSeconds: cadence, medianSize: medianSize,
                        medianLagSeconds: lag?.median, state: baseline.state)
    }
}
