import Foundation

/// The checks on one object against its source's baseline, and on a source's silence.
///
/// Every threshold is here, with the figure from `edal evaluate` it was chosen by
/// (docs/detection.md). A source still learning gets no learnt object-level checks (configured
/// rules run on every object).
public struct SourceDetector: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Objects a source delivers before it is judged (the learning period).
        public var learningObjects: Int64 = 24
        /// Silent after this many usual gaps without a delivery.
        public var silenceFactor: Double = 3
        /// The usual gap is taken as at least this many seconds: a source whose objects came all at
        /// once (a bulk upload, a backfill) has no cadence to fall silent from.
        public var silenceMinimumGap: Double = 60
        /// Silence waits at least this many of the source's long gaps (the 95th percentile).
        public var silenceLongGapFactor: Double = 1.5
        /// Within a day of a silence that ended before twice its wait had passed, the next silence
        /// waits this many times as long as that one lasted.
        public var briefSilenceFactor: Double = 1.5
        /// A size this many spreads (of ln size) above the median, and `sizeRatio` times it, fires
        /// as a blow-up; `emptyDeviation` spreads below, and `sizeRatio` times smaller, as near-empty.
        /// Small objects are the commoner accident of a busy day (an hour with little traffic), so
        /// the bar below is higher: a near-empty object must also be `emptyDeviation` of the
        /// source's object-to-object noises below its last objects' median, that median's own
        /// uncertainty counted (the median of n draws wanders by √(π / 2n) of their noise, so the
        /// bar is widened by √(1 + π / 2n), 1.09 for eight). On ten weeks of ALB-shaped sources
        /// (1.5 million objects, sizes swinging ±40 % with the day) the window's spread alone let
        /// through three clean objects 10.6–14.7 times smaller than usual.
        public var sizeDeviation: Double = 5
        public var emptyDeviation: Double = 5
        /// A size `sizeDeviation` object-to-object noises above the median of the last
        /// `blowUpLocalObjects` objects, `localSizeRatio` times it, and at least
        /// `localSizeMinimumDeviation` spreads above the whole window's median, is a blow-up too;
        /// a blow-up by the window's spread must be `localSizeRatio` times that median as well.
        /// (The median of a few objects is itself uncertain: at 10 times the last 8, a week of
        /// ALB-shaped sources on seeds 7–16 raised 4 false blow-ups, 10.1 to 15.4 times; on thirty
        /// weeks of CloudTrail-shaped sources, sizes spread by 0.6 in ln, 10 times the last 8 let
        /// 5 clean objects through where 15 times the last 16 let 3, finding the same 116 of 120.)
        /// Near-empty compares with the last `localSizeObjects`.
        public var localSizeObjects: Int = 8
        public var blowUpLocalObjects: Int = 16
        public var localSizeMinimumDeviation: Double = 3.5
        public var localSizeRatio: Double = 15
        public var sizeRatio: Double = 10
        /// A delivery lag this many spreads above the median, and `lateMinimumSeconds` more, fires.
        public var lagDeviation: Double = 8
        public var lateMinimumSeconds: Double = 600
        /// A key time at least this many seconds after LastModified, and below the usual lag's 5th
        /// percentile by this much and by twice its 5–95 % band, is a clock running ahead.
        public var clockAheadSeconds: Double = 300
        /// Objects at least this large that repeat an earlier object's content are a replay, where
        /// at most `replayUsualShare` of the source's recent objects repeat one another.
        public var replayMinimumSize: Int64 = 1024
        public var replayUsualShare: Double = 0.05
        /// A numeric metadata value this many spreads from its median fires on its own (6 left a
        /// clean MELT day with two false signals in ten; 6.5 missed one error burst in sixteen).
        public var fieldDeviation: Double = 6.25
        /// A small count whose chance at the source's usual rate (`CountRate`) is at most e^this
        /// fires too: 1e-8 (where one per object is usual, 12 or more) is still below 1e-6 in an hour
        /// 40 % busier than usual.
        public var countTailLogProbability: Double = Foundation.log(1e-8)
        /// The IsolationForest score at or above which an object is an outlier. (0.74 left one clean
        /// MELT day in thirty with three false signals, all scored 0.741–0.754; 0.76 found the same
        /// incidents on those thirty days and one error burst fewer in ten held-out ones.)
        public var scoreThreshold: Double = 0.76
        /// A window of `burstWindowCadences` usual intervals holding more than `burstFactor` times
        /// the usual objects (or bytes), plus `burstMinimumExtra` objects, is a burst.
        public var burstWindowCadences: Double = 12
        public var burstFactor: Double = 4
        public var burstMinimumExtra: Double = 8
        /// A window of `rateWindowCadences` usual intervals holding at most `rateDropShare` of the
        /// objects usually in it is a rate drop, where no gap in it is a silence and the source's
        /// recent arrivals reach back two windows.
        public var rateWindowCadences: Double = 12
        public var rateDropShare: Double = 0.6
        /// A rate drop is over once the window holds this share of the usual objects again.
        public var rateRecoveredShare: Double = 0.85
        /// A source whose gaps vary by at most `rateGapVariation` (a timer) whose last
        /// `rateGapCount` gaps were each `rateGapFactor` times its usual gap or more is a rate drop
        /// too, however few objects its window holds (a weekend's quiet hours).
        public var rateGapVariation: Double = 0.25
        public var rateGapCount: Int = 2
        public var rateGapFactor: Double = 1.75
        /// The silence check expects what the same hours one or two weeks before held (the
        /// source's weekly rhythm, `SourceHistory`) where that was at most this share of what its
        /// recent arrivals make usual: a weekend is quiet, not a silence. The rate-drop check takes
        /// the week's count wherever it is lower, and where it is this share higher.
        public var weeklyQuieterShare: Double = 0.75
        /// Sizes that moved by `trendFactor` or more on average over the last `trendDays` days, each
        /// by `trendDayFactor` or more in the same direction, the same weekdays a week apart
        /// compared, with at least `trendMinimumObjects` objects each day, are a trend. It is over
        /// once the average is back under `trendOverFactor`.
        public var trendDays: Int = 3
        public var trendFactor: Double = 1.5
        public var trendDayFactor: Double = 1.25
        public var trendOverFactor: Double = 1.2
        public var trendMinimumObjects: UInt32 = 12
        /// A category with at most this many values in the baseline is closed: a new value is drift.
        public var closedCategoryValues: Int = 8
        /// A value a source started writing after its learning stays drift (one episode) until this
        /// many objects had it: one object is not enough to make an incident normal.
        public var establishedObjects: Int64 = 8
        /// Configured rules, checked on every object, learning or not.
        public var rules: [MetadataRule] = []

        public init() {}
    }

    public var configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The findings on `observation` against `baseline` (as it was before this object) and its profile.
    public func judge(
        _ observation: ObjectObservation, embeddedTime: Date?, baseline: SourceBaseline,
        profile: SourceProfile, numericMetadata: [String: Double]? = nil,
        categories: [(attribute: CategoricalAttribute, value: String)]? = nil
    ) -> [Finding] {
        var findings: [Finding] = []
        for rule in configuration.rules {
            if let finding = rule.finding(observation) { findings.append(finding) }
        }
        guard baseline.objectCount >= configuration.learningObjects else { return findings }
        size(observation, baseline, profile, into: &findings)
        if let embeddedTime {
            lateness(observation.lastModified.timeIntervalSince(embeddedTime), profile, into: &findings)
        }
        replay(observation, baseline, profile, into: &findings)
        let newFields = metadata(
            observation, numericMetadata ?? observation.numericMetadata, baseline, profile, into: &findings)
        drift(categories ?? observation.categories, baseline, skipFields: newFields, into: &findings)
        return findings
    }

    private func size(
        _ observation: ObjectObservation, _ baseline: SourceBaseline, _ profile: SourceProfile,
        into findings: inout [Finding]
    ) {
        guard let logSize = profile.logSize, let median = profile.medianSize else { return }
        let size = Double(max(0, observation.size))
        let logValue = log1p(size)
        let deviation = logSize.deviation(logValue)
        // The window's median lags a source whose sizes swing with the day by hours: an object must
        // be as far from its last few objects too (on seeds 7–16, a week of ALB-shaped sources
        // raised 10 false size signals on the window's median alone). The last objects' medians are
        // selected only for an object already far from the window's: most objects need neither.
        if deviation >= min(configuration.localSizeMinimumDeviation, configuration.sizeDeviation) {
            let recent = localSize(baseline, profile, objects: configuration.blowUpLocalObjects)
            if deviation >= configuration.sizeDeviation, size >= configuration.sizeRatio * median,
                recent.map({ size >= configuration.localSizeRatio * expm1($0.level) }) ?? true
            {
                findings.append(
                    Finding(
                        check: .sizeBlowUp, field: "size", observed: size, expected: median, deviation: deviation,
                        detail: String(
                            format: "%.0f bytes, %.1f times the usual %.0f", size, size / max(median, 1), median)
                    ))
                return
            }
            // Far above the source's last few objects, by its object-to-object noise: a blow-up in
            // the quiet hours of a source whose sizes swing with the day.
            guard deviation >= configuration.localSizeMinimumDeviation, let local = recent else { return }
            let localDeviation = (logValue - local.level) / local.noise
            let usual = expm1(local.level)
            guard localDeviation >= configuration.sizeDeviation, size >= configuration.localSizeRatio * usual else {
                return
            }
            findings.append(
                Finding(
                    check: .sizeBlowUp, field: "size", observed: size, expected: usual, deviation: localDeviation,
                    detail: String(
                        format: "%.0f bytes, %.1f times the %.0f of its last objects", size, size / max(usual, 1), usual
                    )))
        } else if deviation <= -configuration.emptyDeviation, size * configuration.sizeRatio <= median {
            let local = localSize(baseline, profile)
            guard local.map({ size * configuration.sizeRatio <= expm1($0.level) }) ?? true,
                local.map({ logValue <= $0.level - configuration.emptyDeviation * $0.noise * localWidening }) ?? true
            else { return }
            findings.append(
                Finding(
                    check: .nearEmpty, field: "size", observed: size, expected: median, deviation: deviation,
                    detail: String(format: "%.0f bytes where %.0f are usual", size, median)))
        }
    }

    private var localWidening: Double {
        (1 + Double.pi / (2 * Double(max(1, configuration.localSizeObjects)))).squareRoot()
    }

    /// The median ln size of the source's last `objects` (by default `localSizeObjects`) objects,
    /// and its object-to-object noise.
    private func localSize(_ baseline: SourceBaseline, _ profile: SourceProfile, objects: Int? = nil) -> (
        level: Double, noise: Double
    )? {
        let objects = objects ?? configuration.localSizeObjects
        guard let noise = profile.sizeNoise, baseline.recent.count >= objects else { return nil }
        var logs = baseline.recent.suffix(objects).map { log1p(Double(max(0, $0.size))) }
        guard let level = Statistics.quantiles(&logs, at: [0.5]).first else { return nil }
        return (level, noise)
    }

    private func lateness(_ lag: Double, _ profile: SourceProfile, into findings: inout [Finding]) {
        guard let usual = profile.lag else { return }
        let excess = lag - usual.median
        let deviation = usual.deviation(lag)
        // Measured from the 5th percentile by twice the 5–95 band: the spread itself grows with an
        // earlier late delivery in the window, quantiles do not.
        if lag <= -configuration.clockAheadSeconds,
            lag <= usual.p5 - max(configuration.clockAheadSeconds, 2 * (usual.p95 - usual.p5))
        {
            findings.append(
                Finding(
                    check: .clockAhead, field: "delivery_lag_seconds", observed: lag, expected: usual.median,
                    deviation: deviation,
                    detail: String(
                        format:
                            "its key's time is %.0f s after LastModified; usually %.0f s before it: the producer's clock runs ahead",
                        -lag, usual.median)))
            return
        }
        guard deviation >= configuration.lagDeviation, excess >= configuration.lateMinimumSeconds,
            lag >= 2 * usual.p95
        else { return }
        findings.append(
            Finding(
                check: .lateDelivery, field: "delivery_lag_seconds", observed: lag, expected: usual.median,
                deviation: deviation,
                detail: String(format: "stored %.0f s after its key's time; usually %.0f s", lag, usual.median)))
    }

    /// The same content as an object the source delivered before under another key.
    private func replay(
        _ observation: ObjectObservation, _ baseline: SourceBaseline, _ profile: SourceProfile,
        into findings: inout [Finding]
    ) {
        guard observation.size >= configuration.replayMinimumSize,
            profile.repeatedContentShare <= configuration.replayUsualShare
        else { return }
        let content = SourceBaseline.contentHash(eTag: observation.eTag, size: observation.size)
        let object = SourceBaseline.objectHash(bucket: observation.bucket, key: observation.key, eTag: observation.eTag)
        // Another object with this content; none if this very object was recorded already (a redelivery).
        var earlier: SourceBaseline.Arrival?
        for arrival in baseline.recent where arrival.content == content {
            if arrival.object == object { return }
            earlier = arrival
        }
        guard let earlier else { return }
        let hours = (observation.lastModified.timeIntervalSince1970 - earlier.time) / 3600
        findings.append(
            Finding(
                check: .replayed, field: "etag", value: observation.eTag, observed: hours * 3600,
                detail: String(
                    format:
                        "the same content (ETag and %lld bytes) as an object of this source %.1f h earlier, under another key",
                    observation.size, hours)))
    }

    /// Numeric metadata: fields never seen, extreme values, and the forest. Answers the new fields.
    private func metadata(
        _ observation: ObjectObservation, _ values: [String: Double], _ baseline: SourceBaseline,
        _ profile: SourceProfile,
        into findings: inout [Finding]
    ) -> Bool {
        guard !values.isEmpty || profile.model != nil else { return false }
        var newFields = false
        let before = findings.count
        for (field, value) in values {
            guard let spread = profile.fields[field] else {
                guard baseline.numericFields.contains(field) else {
                    newFields = true
                    findings.append(
                        Finding(
                            check: .newField, field: field, observed: value,
                            detail: "\(field) = \(Self.format(value)); the source never had \(field)",
                            metadataNames: [field]))
                    continue
                }
                // Known to the source, but none of its recent objects had it (it was long ago).
                findings.append(
                    Finding(
                        check: .newField, field: field, observed: value,
                        detail:
                            "\(field) = \(Self.format(value)); none of the last \(profile.recentCount) objects had \(field)",
                        metadataNames: [field]))
                continue
            }
            // A field the source almost never has is news too (`severity-fatal` once a month).
            if spread.count * 50 < profile.recentCount {
                findings.append(
                    Finding(
                        check: .newField, field: field, observed: value,
                        detail:
                            "\(field) = \(Self.format(value)); only \(spread.count) of the last \(profile.recentCount) objects had \(field)",
                        metadataNames: [field]))
                continue
            }
            let transformed = SourceProfile.signedLog(value)
            let deviation = spread.deviation(transformed)
            if abs(deviation) >= configuration.fieldDeviation, spread.outsideBand(transformed, spreads: 2) {
                findings.append(Self.fieldFinding(.metadataValue, field, value, spread, deviation))
            } else if let counts = spread.counts, value > expm1(spread.p95), value == value.rounded() {
                let tail = counts.logUpperTail(value)
                if tail <= configuration.countTailLogProbability {
                    findings.append(Self.countFinding(field, value, counts, tail: tail, deviation))
                }
            }
        }
        // In field order, whatever order the metadata came in (sorted only when more than one fired).
        if findings.count - before > 1 { findings[before...].sort { ($0.field ?? "") < ($1.field ?? "") } }
        guard let model = profile.model else { return newFields }
        var row = [log1p(Double(max(0, observation.size)))]
        for (index, field) in model.fields.enumerated() {
            row.append(values[field].map(SourceProfile.signedLog) ?? model.medians[index])
        }
        guard let score = model.forest.score(row, ifAtLeast: configuration.scoreThreshold) else { return newFields }
        // The fields furthest from their baseline explain the score.
        let explained = Set(findings.compactMap(\.field))
        let drivers = model.fields.compactMap { field -> (String, Double, SourceProfile.Spread, Double)? in
            guard let value = values[field], let spread = profile.fields[field], !explained.contains(field) else {
                return nil
            }
            return (field, value, spread, spread.deviation(SourceProfile.signedLog(value)))
        }.sorted { abs($0.3) > abs($1.3) }.prefix(2)
        var finding = Finding(
            check: .isolationScore, observed: score, expected: configuration.scoreThreshold,
            detail: String(format: "IsolationForest score %.3f ≥ %.2f", score, configuration.scoreThreshold))
        finding.metadataNames = drivers.map(\.0)
        if let top = drivers.first {
            finding.field = top.0
            finding.value = Self.format(top.1)
            finding.deviation = top.3
            finding.detail += drivers.map {
                String(
                    format: "; %@ = %@, %.1f spreads from %@", $0.0, Self.format($0.1), $0.3,
                    Self.format(SourceProfile.inverseSignedLog($0.2.median)))
            }.joined()
        }
        findings.append(finding)
        return newFields
    }

    private func drift(
        _ categories: [(attribute: CategoricalAttribute, value: String)], _ baseline: SourceBaseline, skipFields: Bool,
        into findings: inout [Finding]
    ) {
        for (attribute, value) in categories {
            // Single or multipart follows the size (the producer's multipart threshold): a source
            // whose objects straddle it is not drifting.
            if attribute == .upload || (attribute == .metadataFields && skipFields) { continue }
            guard let tally = baseline.categories[attribute], !tally.open, tally.total >= configuration.learningObjects
            else { continue }
            // Closed: few values, not counting those still new to it.
            let stillNew =
                tally.newValues?.keys.filter { (tally.counts[$0] ?? 0) < configuration.establishedObjects }.count ?? 0
            guard tally.counts.count - stillNew <= configuration.closedCategoryValues else { continue }
            // An episode lasts while fewer than `establishedObjects` objects had the value (a
            // replica that saw it early cannot bring an ended episode back).
            let seen = tally.counts[value]
            let episode =
                tally.newValues?[value] != nil ? seen.flatMap { $0 < configuration.establishedObjects ? $0 : nil } : nil
            guard episode != nil || seen == nil else { continue }
            let usual = tally.counts.filter { tally.newValues?[$0.key] == nil }.sorted { $0.value > $1.value }.prefix(3)
                .map(\.key).joined(separator: ", ")
            let news =
                episode.map {
                    "new to this source: \(Self.ordinal($0 + 1)) object with it (normal once \(configuration.establishedObjects) have it)"
                }
                ?? "never seen for this source"
            var finding = Finding(
                check: .drift, field: attribute.rawValue, value: value,
                detail: "\(attribute.rawValue) \"\(value.prefix(120))\" \(news); usually \(usual.prefix(200))")
            if attribute == .metadataFields {
                let names = tally.counts.keys.flatMap { $0.split(separator: ",") } + value.split(separator: ",")
                finding.metadataNames = Array(Set(names.map(String.init))).sorted()
            }
            findings.append(finding)
        }
    }

    /// The silence finding for `baseline` at `now`, when it has delivered nothing for `silenceFactor`
    /// usual gaps (and at least `silenceLongGapFactor` of its long gaps) plus `allowance` seconds (how
    /// far behind S3 the worker is).
    public func silence(
        _ baseline: SourceBaseline, profile: SourceProfile, now: Date, allowance: Double = 0,
        bucket: SourceHistory? = nil
    ) -> Finding? {
        guard let (wait, usual) = silenceWait(baseline, profile: profile, allowance: allowance, bucket: bucket),
            let last = baseline.recent.last
        else { return nil }
        let quiet = now.timeIntervalSince1970 - last.time
        guard quiet >= wait else { return nil }
        return Finding(
            check: .silentSource, field: "seconds_since_last_object", observed: quiet, expected: usual,
            detail: String(format: "nothing for %.0f s; one object every %.0f s is usual", quiet, usual))
    }

    /// Seconds after its last arrival at which `baseline` counts as silent, and the usual gap that
    /// wait is measured in; `nil` when it cannot be silent (still learning, already silent, no cadence yet).
    ///
    /// `bucket` is the history of all objects of the source's bucket: the weekly rhythm of a
    /// source younger than a week (`rhythm`).
    public func silenceWait(
        _ baseline: SourceBaseline, profile: SourceProfile, allowance: Double = 0,
        bucket: SourceHistory? = nil
    ) -> (wait: Double, usual: Double)? {
        guard baseline.state == .normal, let last = baseline.recent.last, let cadence = profile.cadence, cadence > 0
        else { return nil }
        let usual = max(profile.usualGap ?? cadence, configuration.silenceMinimumGap)
        var wait = max(configuration.silenceFactor * usual, configuration.silenceLongGapFactor * (profile.longGap ?? 0))
        // Where the same hours a week before were clearly quieter (a weekend), wait as long as the
        // source took then to make as many deliveries.
        let objectsPerDelivery = max(1, (profile.usualGap ?? cadence) / cadence)
        if let (history, scale) = rhythm(baseline, bucket: bucket),
            let weekly = history.weeklyTimeToDeliver(
                configuration.silenceFactor * objectsPerDelivery / scale, after: last.time, limit: 7 * 86_400),
            weekly * configuration.weeklyQuieterShare > configuration.silenceFactor * usual
        {
            wait = max(wait, weekly)
        }
        // A silence that ended soon after it was declared, within the last day: the pace changed.
        if let brief = baseline.briefSilence, last.time - brief.ended.timeIntervalSince1970 < 86_400 {
            wait = max(wait, configuration.briefSilenceFactor * brief.seconds)
        }
        return (wait + max(allowance, 0), usual)
    }

    /// The burst finding when the window ending at `time` holds far more than usual (`baseline`
    /// already includes the object that arrived at `time`).
    public func burst(_ baseline: SourceBaseline, profile: SourceProfile, at time: Date, bucket: SourceHistory? = nil)
        -> Finding?
    {
        guard baseline.objectCount >= configuration.learningObjects, let cadence = profile.cadence, cadence > 0,
            let median = profile.medianSize
        else { return nil }
        let window = burstWindow(cadence, usualGap: profile.usualGap)
        let start = time.timeIntervalSince1970 - window
        var count = 0.0
        var bytes = 0.0
        for arrival in baseline.recent.reversed() {
            guard arrival.time > start else { break }
            count += 1
            bytes += Double(arrival.size)
        }
        let expected = burstExpected(
            baseline, window: window, cadence: cadence, end: time.timeIntervalSince1970, bucket: bucket)
        let countLimit = configuration.burstFactor * expected + configuration.burstMinimumExtra
        // Bytes count only with more objects than usual too: one huge object is a size blow-up, not a burst.
        guard count > countLimit || (bytes > countLimit * median && count > 2 * expected) else { return nil }
        return Finding(
            check: .burst, field: count > countLimit ? "objects_per_window" : "bytes_per_window",
            observed: count > countLimit ? count : bytes, expected: count > countLimit ? expected : expected * median,
            detail: String(
                format: "%.0f objects (%.0f bytes) in %.0f s; about %.0f objects are usual", count, bytes, window,
                expected))
    }

    /// The window a burst is counted in: `burstWindowCadences` usual intervals, at least a minute
    /// (a source whose objects all arrived within seconds — a bulk upload — has no cadence to burst from).
    func burstWindow(_ cadence: Double, usualGap: Double? = nil) -> Double {
        max(configuration.burstWindowCadences * min(cadence, usualGap ?? cadence), 60)
    }

    /// What the rate window ending at a moment holds, and what is usual for it.
    struct RateWindow {
        /// Objects in the window, and objects usually in it.
        var count: Double
        var expected: Double
        /// The longest gap in the window (the one reaching into it from before counts too).
        var longestGap: Double
        /// How many times quieter the same hours of the week before were than recent arrivals make usual.
        var quieter: Double
        var window: Double
    }

    /// The objects in the rate window ending at `time`, the objects usually in it, and the longest
    /// gap in it; `nil` while the source's arrivals do not reach back two windows.
    func rateWindow(_ baseline: SourceBaseline, profile: SourceProfile, at time: Date, bucket: SourceHistory?)
        -> RateWindow?
    {
        guard baseline.objectCount >= configuration.learningObjects, let cadence = profile.cadence, cadence > 0,
            let first = baseline.recent.first
        else { return nil }
        // In usual gaps between deliveries, not in objects: a producer that writes its objects in
        // batches (twenty at once every hour) would otherwise see a drop before every batch. Not
        // the mean gap either: a weekend among the recent arrivals stretches it for days after.
        let window = configuration.rateWindowCadences * (profile.usualGap ?? cadence)
        let end = time.timeIntervalSince1970
        guard end - first.time >= 2 * window else { return nil }
        var expected = window / cadence
        var quieter = 1.0
        // Quieter the same hours a week before (a weekend, or the last of one: recent arrivals
        // that mix weekdays, a weekend and a burst make a rate no hour of the week has), or clearly
        // busier (the Monday after a weekend, while the recent arrivals are the weekend's): that is
        // what is usual now. (Taken only where clearly quieter, the week before's 6.7 objects left
        // 8.8 usual on a VPC-shaped source at Monday 00:35 after a Sunday burst: a false drop.)
        if let (history, scale) = rhythm(baseline, bucket: bucket),
            let weekly = history.weeklyObjects(from: end - window, to: end).map({ $0 * scale })
        {
            if weekly < expected {
                quieter = expected / max(weekly, 1e-9)
                expected = weekly
            } else if weekly * configuration.weeklyQuieterShare >= expected {
                expected = weekly
            }
        }
        var count = 0.0
        var longestGap = 0.0
        var later = end
        for arrival in baseline.recent.reversed() {
            // The gap reaching into the window from before it counts too: a silence that began
            // before the window leaves it holding few objects.
            longestGap = max(longestGap, later - arrival.time)
            guard arrival.time > end - window else { break }
            count += 1
            later = arrival.time
        }
        return RateWindow(count: count, expected: expected, longestGap: longestGap, quieter: quieter, window: window)
    }

    /// The rate-drop finding when the window ending at `time` holds far fewer objects than usual
    /// while the source kept delivering (`baseline` already includes the object that arrived at `time`).
    public func rateDrop(
        _ baseline: SourceBaseline, profile: SourceProfile, at time: Date, bucket: SourceHistory? = nil
    ) -> Finding? {
        guard let rates = rateWindow(baseline, profile: profile, at: time, bucket: bucket) else { return nil }
        let (count, expected, longestGap, quieter, window) = (
            rates.count, rates.expected, rates.longestGap, rates.quieter, rates.window
        )
        // A window's count varies by about √expected × the gaps' variation (a renewal process):
        // objects that arrive at random are far from a drop at 60 %; a timer's are not.
        // A gap that is a silence is signalled as one, not as a drop (gaps as long as the quieter
        // hours of the week make them).
        let usual = max(profile.usualGap ?? profile.cadence ?? 0, configuration.silenceMinimumGap) * quieter
        let noise = 4 * expected.squareRoot() * (profile.gapVariation ?? 1)
        if longestGap < configuration.silenceFactor * usual,
            count <= min(configuration.rateDropShare * expected, expected - noise)
        {
            return Finding(
                check: .rateDrop, field: "objects_per_window", observed: count, expected: expected,
                detail: String(
                    format:
                        "%.0f objects in %.0f s where about %.0f are usual: the source delivers at %.0f %% of its rate",
                    count, window, expected, 100 * count / expected))
        }
        return missedDeliveries(baseline, profile: profile, bucket: bucket)
    }

    /// A producer on a timer whose last `rateGapCount` gaps were each `rateGapFactor` or more of
    /// its usual gap (the usual at this hour of the week): deliveries missing one after another.
    /// A window of a quiet hour holds too few objects to tell half of them from all; gaps do.
    private func missedDeliveries(_ baseline: SourceBaseline, profile: SourceProfile, bucket: SourceHistory?)
        -> Finding?
    {
        guard let variation = profile.gapVariation, variation <= configuration.rateGapVariation,
            let usualGap = profile.usualGap, usualGap > 0,
            baseline.recent.count > configuration.rateGapCount
        else { return nil }
        // Checked on every object of a timer: the week before is looked up only for gaps already
        // long against the usual one (it can only make the usual longer).
        let recent = baseline.recent
        for index in (recent.count - configuration.rateGapCount)..<recent.count
        where recent[index].time - recent[index - 1].time < configuration.rateGapFactor * usualGap {
            return nil
        }
        let last = recent.suffix(configuration.rateGapCount + 1).map(\.time)
        let rhythm = rhythm(baseline, bucket: bucket)
        var gaps: [Double] = []
        var usuals: [Double] = []
        for index in 1..<last.count {
            let (from, to) = (last[index - 1], last[index])
            // Each gap against what the hour around it held a week before, where that was quieter (a
            // weekend's longer gaps; also across midnight into Monday). An hour at least: a gap's
            // own span holds one or two objects, too few to say a rate by. The week is counted by
            // the hour, so where the rate changed within an hour (a weekend's last slow gaps run
            // into the Monday) the quietest of the span and the span an hour either side is read:
            // spread evenly, the Monday's first hour made its first minutes look busy (a false drop
            // on a VPC-shaped source at Monday 00:29).
            var usual = usualGap
            let (middle, span) = ((from + to) / 2, max(to - from, 3600))
            if let (history, scale) = rhythm {
                let counts = [-3600.0, 0, 3600].compactMap { shift in
                    history.weeklyObjects(from: middle + shift - span / 2, to: middle + shift + span / 2)
                }
                if let weekly = counts.min().map({ $0 * scale }) { usual = max(usual, span / max(weekly, 1)) }
            }
            // Longer than a silence: signalled as one.
            guard to - from >= configuration.rateGapFactor * usual,
                to - from < configuration.silenceFactor * max(usual, configuration.silenceMinimumGap)
            else { return nil }
            gaps.append(to - from)
            usuals.append(usual)
        }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let usual = usuals.reduce(0, +) / Double(usuals.count)
        return Finding(
            check: .rateDrop, field: "seconds_between_deliveries", observed: mean, expected: usual,
            detail: String(
                format:
                    "the last %d gaps between deliveries were %.0f s on average where %.0f s is usual: deliveries are missing",
                gaps.count, mean, usual))
    }

    /// Whether a signalled rate drop is over.
    public func rateRecovered(
        _ baseline: SourceBaseline, profile: SourceProfile, at time: Date, bucket: SourceHistory? = nil
    ) -> Bool {
        guard let rates = rateWindow(baseline, profile: profile, at: time, bucket: bucket) else { return true }
        return rates.count >= configuration.rateRecoveredShare * rates.expected
    }

    /// The history that tells `baseline`'s weekly rhythm, and how many of the source's objects one
    /// of its objects counts for: the source's own once it reaches back a week; before that its
    /// bucket's (every source of the bucket together, a week being quiet for most of them), scaled by
    /// the source's share of the bucket's objects over the span of its recent arrivals.
    func rhythm(_ baseline: SourceBaseline, bucket: SourceHistory?) -> (history: SourceHistory, scale: Double)? {
        guard let first = baseline.recent.first, let last = baseline.recent.last, last.time > first.time else {
            return nil
        }
        if let own = baseline.history, own.reachesBackAWeek(from: last.time) { return (own, 1) }
        guard let bucket, bucket.reachesBackAWeek(from: last.time),
            let bucketObjects = bucket.objects(from: first.time, to: last.time), bucketObjects > 0
        else { return nil }
        return (bucket, Double(baseline.recent.count - 1) / bucketObjects)
    }

    /// The size-trend finding: the source's objects grew (or shrank) day after day, the same
    /// weekdays a week apart compared (a weekly pattern in sizes is no trend, and no window of
    /// recent objects shows a change this slow).
    public func sizeTrend(_ baseline: SourceBaseline) -> Finding? {
        guard baseline.state != .learning, let changes = weekOverWeekSizes(baseline) else { return nil }
        let mean = changes.reduce(0, +) / Double(changes.count)
        guard abs(mean) >= log(configuration.trendFactor),
            changes.allSatisfy({ $0 * mean > 0 && abs($0) >= log(configuration.trendDayFactor) })
        else { return nil }
        let factor = exp(mean)
        return Finding(
            check: .sizeTrend, field: "size", observed: factor, expected: 1,
            detail: String(
                format:
                    "objects %@ %.2f times their size of a week before, on average over the last %d days (each day against the same weekday): a trend",
                mean > 0 ? "grew to" : "shrank to", factor, changes.count))
    }

    /// Whether a signalled size trend is over (sizes are back near those of a week before).
    public func sizeTrendOver(_ baseline: SourceBaseline) -> Bool {
        guard let changes = weekOverWeekSizes(baseline) else { return false }
        return abs(changes.reduce(0, +) / Double(changes.count)) < log(configuration.trendOverFactor)
    }

    private func weekOverWeekSizes(_ baseline: SourceBaseline) -> [Double]? {
        baseline.history?.weekOverWeekSizes(
            days: configuration.trendDays, minimumObjects: configuration.trendMinimumObjects)
    }

    /// Whether a burst that was signalled is over.
    public func burstEnded(
        _ baseline: SourceBaseline, profile: SourceProfile, at time: Date, bucket: SourceHistory? = nil
    ) -> Bool {
        guard let cadence = profile.cadence, cadence > 0 else { return true }
        let window = burstWindow(cadence, usualGap: profile.usualGap)
        let start = time.timeIntervalSince1970 - window
        let count = baseline.recent.reversed().prefix { $0.time > start }.count
        return Double(count) <= 2
            * burstExpected(baseline, window: window, cadence: cadence, end: time.timeIntervalSince1970, bucket: bucket)
    }

    /// The objects usually in a burst window ending at `end`: what the recent arrivals make usual,
    /// or where the same hours a week before were clearly busier (a Monday after the weekend), what
    /// they held.
    private func burstExpected(
        _ baseline: SourceBaseline, window: Double, cadence: Double, end: Double, bucket: SourceHistory?
    ) -> Double {
        let expected = window / cadence
        guard let (history, scale) = rhythm(baseline, bucket: bucket),
            let weekly = history.weeklyObjects(from: end - window, to: end).map({ $0 * scale }),
            weekly * configuration.weeklyQuieterShare >= expected
        else { return expected }
        return weekly
    }

    static func fieldFinding(
        _ check: SourceCheck, _ field: String, _ value: Double, _ spread: SourceProfile.Spread, _ deviation: Double
    ) -> Finding {
        let median = SourceProfile.inverseSignedLog(spread.median)
        return Finding(
            check: check, field: field, value: format(value), observed: value, expected: median, deviation: deviation,
            detail: String(
                format: "%@ = %@, %.1f spreads %@ the usual %@", field, format(value), abs(deviation),
                deviation > 0 ? "above" : "below", format(median)), metadataNames: [field])
    }

    /// `tail`: ln of the chance of a count this high (`CountRate.logUpperTail`).
    static func countFinding(_ field: String, _ value: Double, _ counts: CountRate, tail: Double, _ deviation: Double)
        -> Finding
    {
        let chance = tail / Foundation.log(10)
        return Finding(
            check: .metadataValue, field: field, value: format(value), observed: value, expected: counts.mean,
            deviation: deviation,
            detail: String(
                format:
                    "%@ = %@ where %@ per object is usual: a count this high comes by chance once in 10^%.0f objects",
                field, format(value), format(counts.mean), -chance.rounded(.down)), metadataNames: [field])
    }

    static func ordinal(_ number: Int64) -> String {
        let suffix = (11...13).contains(number % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][Int(number % 10)] ?? "th"
        return "\(number)\(suffix)"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }
}

extension SourceProfile {
    /// The inverse of `signedLog`.
    public static func inverseSignedLog(_ value: Double) -> Double {
        value < 0 ? -expm1(-value) : expm1(value)
    }
}
