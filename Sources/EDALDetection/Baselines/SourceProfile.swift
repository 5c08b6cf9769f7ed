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
        /// For a count field (whole numbers ≥ 0): its usual counts as a Poisson rate, for a tail
        /// test that a spread in ln(1 + n) cannot give where counts are small.
        public var counts: CountRate?

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
            let deviation =
                values.count > 1
                ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : 0
            for index in work.indices { work[index] = abs(work[index] - centre) }
            let mad = Statistics.quantiles(&work, at: [0.5])[0]
            spread = max(1.4826 * mad, deviation / 2, floor)
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
        /// What the fields (and, first, ln size) looked like when it was trained.
        public var trainedOn: [Spread]

        /// Whether `profile` has moved away from what this model was trained on: the median of ln
        /// size or of a field by more than a spread, a spread halved or doubled, or a field gone.
        /// (Counts that are mostly 0 or 1 flip their median between the two by chance: a tighter
        /// bar retrained every MELT source at every chance.)
        public func isStale(for profile: SourceProfile) -> Bool {
            guard let size = profile.logSize, let then = trainedOn.first, Self.close(size, then) else { return true }
            for (index, field) in fields.enumerated() {
                guard let now = profile.fields[field], Self.close(now, trainedOn[index + 1]) else { return true }
            }
            return false
        }

        private static func close(_ now: Spread, _ then: Spread) -> Bool {
            abs(now.median - then.median) <= then.spread && now.spread <= 2 * then.spread
                && 2 * now.spread >= then.spread
        }
    }

    /// The baseline's object count when this profile was computed.
    public var builtAt: Int64
    /// The LastModified (seconds since 1970) of the newest arrival it was computed from.
    public var builtThrough: Double?
    /// The same two for the size statistics, which `refreshSizes` recomputes more often than the
    /// rest: they follow the source's day.
    public var sizesBuiltAt: Int64
    public var sizesBuiltThrough: Double?
    public var recentCount: Int
    /// Mean seconds between arrivals over the recent ones.
    public var cadence: Double?
    /// The median gap between deliveries — the source's cadence as a person would state it — with
    /// the near-zero gaps between objects of one delivery (ALB's nodes, a shipper's parts) left out.
    public var usualGap: Double?
    /// The 95th percentile of all gaps: how long this source can go quiet by itself. Silence waits
    /// at least `silenceLongGapFactor` of it, so an irregular source is not called silent on its median.
    public var longGap: Double?
    /// How irregular the gaps between deliveries are, from one gap to the next (the median
    /// |ln(gap / previous gap)|, scaled so that objects arriving at random give about 0.75, as the
    /// scaled MAD over the median of their gaps does): near 0
    /// for a producer on a timer, also across a change of pace (a weekend's longer gaps).
    public var gapVariation: Double?
    /// ln(1 + size).
    public var logSize: Spread?
    /// How much ln(1 + size) varies from one object to the next, the source's hour-to-hour
    /// swing left out: the scaled MAD of successive differences over √2.
    public var sizeNoise: Double?
    public var medianSize: Double?
    public var lag: Spread?
    /// The share of recent arrivals whose content (ETag and size) an earlier recent arrival had:
    /// a source that writes the same bytes often (markers, empty parts) is not replaying.
    public var repeatedContentShare: Double = 0
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
        fields = [:]
        sizesBuiltAt = baseline.objectCount
        sizesBuiltThrough = recent.last?.time
        if recent.count >= 2, let first = recent.first, let last = recent.last, last.time > first.time {
            cadence = (last.time - first.time) / Double(recent.count - 1)
            var gaps: [Double] = []
            gaps.reserveCapacity(recent.count - 1)
            for index in 1..<recent.count { gaps.append(recent[index].time - recent[index - 1].time) }
            let meanGap = (last.time - first.time) / Double(recent.count - 1)
            // In time order: the selections below reorder the arrays they look at.
            var deliveries = gaps.filter { $0 >= 0.25 * meanGap }
            longGap = Statistics.quantiles(&gaps, at: [0.95]).first
            // Gap to gap: one silence, or a weekend's slower pace in the window, must not make a
            // timer look irregular.
            if deliveries.count >= 3 {
                var steps = (1..<deliveries.count).map { abs(log(deliveries[$0] / deliveries[$0 - 1])) }
                gapVariation = Statistics.quantiles(&steps, at: [0.5]).first.map { 1.04 * $0 }
            }
            usualGap = Statistics.quantiles(&deliveries, at: [0.5]).first
        }
        computeSizes(recent)
        // Arrivals stored before contents were hashed say nothing: with fewer than 32 hashed ones
        // the source cannot be said to replay (and a young source, refreshed at every object,
        // builds no set).
        repeatedContentShare = 1
        if recent.count >= 32 {
            var contents = Set<UInt64>(minimumCapacity: recent.count)
            var repeated = 0
            var hashed = 0
            for arrival in recent {
                guard let content = arrival.content else { continue }
                hashed += 1
                if !contents.insert(content).inserted { repeated += 1 }
            }
            if hashed >= 32 { repeatedContentShare = Double(repeated) / Double(hashed) }
        }
        lag = Spread(recent.compactMap(\.lag), floor: 1)
        // One column per field, aligned with `recent` (NaN where an arrival lacks the field): built
        // without hashing each value's field name, and reused as the forest's rows.
        let columns = Self.columns(recent)
        var fields: [String: Spread] = [:]
        for (field, column) in columns {
            var values = column.filter { !$0.isNaN }
            let isCount = values.allSatisfy { $0 >= 0 && $0 == $0.rounded() }
            for index in values.indices { values[index] = Self.signedLog(values[index]) }
            guard var spread = Spread(values, floor: 0.02) else { continue }
            // Counts (whole numbers ≥ 0) vary like Poisson counts: ln(1 + n) moves by about 1/√(n + 1) by chance alone.
            if isCount {
                spread.spread = max(spread.spread, 1 / expm1(spread.median).magnitude.advanced(by: 1).squareRoot())
                spread.counts = CountRate(column.filter { !$0.isNaN }, cappedAt: expm1(spread.p95))
            }
            fields[field] = spread
        }
        self.fields = fields
        model =
            trainModel
            ? Self.train(
                recent: recent, logSize: logSize, fields: fields, columns: columns, minimumRows: minimumRowsForModel,
                seed: seed) : nil
    }

    /// Trains the forest over `baseline` (the baseline this profile was computed from).
    public mutating func trainModel(_ baseline: SourceBaseline, minimumRowsForModel: Int = 32, seed: UInt64 = 0) {
        model = Self.train(
            recent: baseline.recent, logSize: logSize, fields: fields, columns: Self.columns(baseline.recent),
            minimumRows: minimumRowsForModel, seed: seed)
    }

    /// Recomputes the size statistics from `baseline`'s recent arrivals: one selection over at
    /// most 256 numbers, cheap enough to follow a busy source's day by the hour (sizes swing with
    /// the hour; the metadata fields' statistics cost ten times more and follow by object count).
    public mutating func refreshSizes(_ baseline: SourceBaseline) {
        sizesBuiltAt = baseline.objectCount
        sizesBuiltThrough = baseline.recent.last?.time
        computeSizes(baseline.recent)
    }

    private mutating func computeSizes(_ recent: [SourceBaseline.Arrival]) {
        let logs = recent.map { log1p(Double(max(0, $0.size))) }
        logSize = Spread(logs, floor: 0.05)
        medianSize = logSize.map { expm1($0.median) }
        sizeNoise = nil
        guard logs.count >= 8 else { return }
        var steps = (1..<logs.count).map { abs(logs[$0] - logs[$0 - 1]) }
        if let mad = Statistics.quantiles(&steps, at: [0.5]).first {
            sizeNoise = max(1.4826 * mad / 2.squareRoot(), 0.05)
        }
    }

    /// The numeric metadata of `recent` by field, each column aligned with `recent` (NaN where an
    /// arrival lacks the field). Fields are few and their names short: a linear scan of the columns
    /// beats hashing every name of every arrival.
    static func columns(_ recent: [SourceBaseline.Arrival]) -> [(field: String, values: [Double])] {
        var columns: [(field: String, values: [Double])] = []
        for (row, arrival) in recent.enumerated() {
            for (field, value) in arrival.values ?? [:] {
                if let index = columns.firstIndex(where: { $0.field == field }) {
                    columns[index].values[row] = value
                } else {
                    var column = [Double](repeating: .nan, count: recent.count)
                    column[row] = value
                    columns.append((field, column))
                }
            }
        }
        return columns
    }

    /// sign(x) · ln(1 + |x|): counts, sizes and latencies spread with their size; rates stay near themselves.
    public static func signedLog(_ value: Double) -> Double {
        value < 0 ? -log1p(-value) : log1p(value)
    }

    private static func train(
        recent: [SourceBaseline.Arrival], logSize: Spread?, fields: [String: Spread],
        columns: [(field: String, values: [Double])],
        minimumRows: Int, seed: UInt64
    ) -> Model? {
        // Fields nearly every recent object has; the size always.
        let withValues = recent.indices.filter { recent[$0].values != nil }
        guard withValues.count >= minimumRows else { return nil }
        // A field that took one value in every row cannot split a tree, so the forest never looks
        // at it: leaving it out changes no score, and saves each node's tries on it.
        let chosenColumns = columns.filter { column in
            var present = 0
            var lowest = Double.infinity
            var highest = -Double.infinity
            for value in column.values where !value.isNaN {
                present += 1
                lowest = min(lowest, value)
                highest = max(highest, value)
            }
            return Double(present) >= 0.9 * Double(withValues.count) && highest > lowest
        }.sorted { $0.field < $1.field }
        guard !chosenColumns.isEmpty else { return nil }
        let chosen = chosenColumns.map(\.field)
        let medians = chosen.map { fields[$0]?.median ?? 0 }
        var rows: [[Double]] = []
        rows.reserveCapacity(withValues.count)
        for index in withValues {
            var row = [log1p(Double(max(0, recent[index].size)))]
            row.reserveCapacity(chosen.count + 1)
            for (position, column) in chosenColumns.enumerated() {
                let value = column.values[index]
                row.append(value.isNaN ? medians[position] : signedLog(value))
            }
            rows.append(row)
        }
        guard
            let forest = try? IsolationForest.train(
                rows, parameters: .init(treeCount: 100, maxSampleSize: 256, seed: seed))
        else { return nil }
        guard let sizeSpread = logSize else { return nil }
        return Model(
            fields: chosen, forest: forest, medians: medians, trainedOn: [sizeSpread] + chosen.compactMap { fields[$0] }
        )
    }

    /// The summary a signal carries.
    public func summary(of baseline: SourceBaseline) -> BaselineSummary {
        BaselineSummary(
            objects: baseline.objectCount, recent: recentCount, cadenceSeconds: cadence, medianSize: medianSize,
            medianLagSeconds: lag?.median, state: baseline.state)
    }
}
