import Foundation

/// Something that happened to a source as a whole: it appeared, went silent, resumed or burst.
public struct SourceEvent: Sendable, Equatable {
    public var sourceId: String
    public var bucket: String
    public var template: String
    public var producer: String?
    public var finding: Finding
    /// What identifies the episode, the same on every replica that shares the baseline: the last
    /// arrival before a silence, the burst's start; `nil` for a new source (once per source).
    public var episode: Date?
    /// The object the source delivered last (the one that revealed it, for a new source).
    public var lastObject: SourceBaseline.LastObject?
    public var baseline: BaselineSummary
}

/// The verdict on one object.
public struct SourceVerdict: Sendable, Equatable {
    public var sourceId: String
    public var source: SourceKey
    /// Object-level findings; the object is anomalous when there is one.
    public var findings: [Finding]
    /// Source-level events this object revealed (a new source, a resumed one, a burst).
    public var events: [SourceEvent]
    public var baseline: BaselineSummary

    public var anomalous: Bool { !findings.isEmpty }

    /// The IsolationForest score, when the source has a model and it fired.
    public var score: Double? { findings.first { $0.check == .isolationScore }?.observed }
}

/// Every source one worker knows, with its baseline and profile: judges each object, learns from
/// it, and tracks each source's state (learning → normal ⇄ silent).
///
/// A value type with no I/O: the worker keeps it behind a lock and shares baselines through the
/// state store (`dirtyBaselines`, `markSaved`, `absorb`); `edal evaluate` drives it directly
/// with simulated time.
public struct SourceRegistry: Sendable {
    struct Entry: Sendable {
        var baseline: SourceBaseline
        var profile: SourceProfile
        /// Changed since it was last saved.
        var dirty: Bool
        /// State (silent, burst) changed here since it was last saved: ours wins over the store's.
        var stateChanged: Bool
        var modelBuiltAt: Int64
        /// Unpublished events added here since the last save (`unpublishedEvents`), and those
        /// published here since: the store's list is merged with these, so an event another
        /// replica published is not brought back by this one.
        var unpublishedAdded: Set<String> = []
        var unpublishedRemoved: Set<String> = []
        /// A new source of a known shape, announced once it delivers again: a name repeats, a value
        /// that keeps changing does not (and is merged away first).
        var announcePending = false
        /// A new source not yet announced because it may be a normal source's new layout: the
        /// sources it may replace that have not delivered since. Once all have, it is announced;
        /// one of them falling silent first makes both one `layout_changed`.
        var successorOf: Set<String>?
        /// The last metadata field set seen, spelt (`ObjectObservation.fieldSet`).
        var fieldSet: (names: Dictionary<String, String>.Keys, spelt: String)?

        /// The spelt field set of `metadata`, from the last one when the names are the same.
        mutating func spell(_ metadata: [String: String]) -> String {
            if let fieldSet, fieldSet.names == metadata.keys { return fieldSet.spelt }
            let spelt = ObjectObservation.fieldSet(metadata)
            fieldSet = (metadata.keys, spelt)
            return spelt
        }
    }

    public var templater: KeyTemplater
    public var detector: SourceDetector
    /// The profile is recomputed after this many new objects (sooner while the source is young:
    /// after a quarter more), or after a sixteenth as many once six times `profileRefreshSeconds`
    /// of the source's time passed (a slow source). In between, its size statistics are recomputed
    /// once `profileRefreshSeconds` passed, so they follow the source's day; the metadata fields'
    /// statistics, ten times dearer, follow by object count. The forest is retrained after half as
    /// many objects again while the source is young (below twice `SourceBaseline.capacity`); then when
    /// a refresh finds the fields moved from what it was trained on, or after four times
    /// `modelRefreshObjects` (by then the window it trains on has turned over eight times).
    public var profileRefreshObjects: Int64 = 64
    public var profileRefreshSeconds: Double = 3_600
    public var modelRefreshObjects: Int64 = 512
    /// Learns the layouts no rule recognised (`LayoutLearner`).
    public var learner = LayoutLearner()
    /// At most this many sources per bucket (`EDAL_MAX_SOURCES`): past it, objects of templates
    /// never seen are judged together under `overflowTemplate`, announced once per bucket.
    public var maximumSourcesPerBucket = 10_000
    /// The template of a bucket's objects once it holds `maximumSourcesPerBucket` sources.
    public static let overflowTemplate = "{other}"
    private var entries: [String: Entry] = [:]
    /// The sources whose baselines keep unpublished events (a source forgotten since may linger).
    private var withUnpublished: Set<String> = []
    private var sourcesPerBucket: [String: Int] = [:]
    /// When each source falls silent: the silence check and its next deadline without a walk.
    private var silence = SilenceIndex()
    /// Sources changed or removed since `takeChanges()` last answered; past a bound (nobody reads
    /// them), forgotten, and the next reader gets every source instead.
    private var changed: Set<String> = []
    private var changesOverflowed = false
    /// Source ids by bucket and directory (the template's text before its first placeholder).
    private var byDirectory: [String: Set<String>] = [:]
    /// For a source, the new sources waiting to learn whether they replace it.
    private var successors: [String: Set<String>] = [:]
    /// How far behind S3 this worker has recently been (see `deliveryLag`).
    private var lag = DeliveryLag()
    /// Every object of each bucket by the hour: the weekly rhythm of sources younger than a week.
    /// Per replica and not stored (a replica learns it again over a week); one per bucket.
    private var bucketHistories: [String: SourceHistory] = [:]

    public init(templater: KeyTemplater = KeyTemplater(), detector: SourceDetector = SourceDetector()) {
        self.templater = templater
        self.detector = detector
    }

    /// Judges `observation` against its source, then learns from it. `now` is when this worker
    /// saw the object (`nil` in simulated time): how long after `LastModified` that was widens the
    /// silence check by the same amount.
    public mutating func observe(_ observation: ObjectObservation, at now: Date? = nil) -> SourceVerdict {
        if let now { lag.record(now.timeIntervalSince(observation.lastModified)) }
        let bucket = observation.bucket
        var source = templater.sourceKey(for: observation.key)
        var learnt = LayoutLearner.Outcome(template: source.template)
        if source.producer == nil {
            learnt = learner.learn(
                bucket: bucket, template: source.template, at: observation.lastModified.timeIntervalSince1970)
            for merge in learnt.merged {
                fold(SourceBaseline.id(bucket: bucket, template: merge.from), into: merge.to, bucket: bucket)
            }
            // A source of this very template (made before its shape was learnt here, by another
            // replica or before a restart) joins the learnt one when its next object arrives.
            if learnt.template != source.template {
                fold(
                    SourceBaseline.id(bucket: bucket, template: source.template), into: learnt.template, bucket: bucket)
            }
            source.template = learnt.template
        }
        var id = SourceBaseline.id(bucket: bucket, template: source.template)
        var overflowing = false
        if entries[id] == nil, sourcesPerBucket[bucket, default: 0] >= maximumSourcesPerBucket {
            source.template = Self.overflowTemplate
            source.producer = nil
            id = SourceBaseline.id(bucket: bucket, template: source.template)
            overflowing = entries[id] == nil
        }
        var events: [SourceEvent] = []
        // Taken out of the dictionary while it changes, so its arrays are not copied on write.
        var entry =
            entries.removeValue(forKey: id)
            ?? newEntry(id: id, bucket: bucket, source: source, firstSeen: observation.lastModified)
        let isNew = entry.baseline.objectCount == 0
        let values = observation.numericMetadata
        let categories = observation.categories(metadataFields: entry.spell(observation.metadata))
        let findings = detector.judge(
            observation, embeddedTime: source.embeddedTime, baseline: entry.baseline, profile: entry.profile,
            numericMetadata: values, categories: categories)

        if entry.baseline.state == .silent, let last = entry.baseline.recent.last {
            entry.baseline.state = .normal
            // Ended before twice the wait that declared it: remembered, so a slower pace is not
            // a silence at every gap.
            let lasted = observation.lastModified.timeIntervalSince1970 - last.time
            let declaredAfter = detector.silenceWait(
                entry.baseline, profile: entry.profile, bucket: bucketHistories[bucket])?.wait
            entry.baseline.briefSilence = declaredAfter.flatMap {
                lasted <= 2 * $0 ? SourceBaseline.BriefSilence(seconds: lasted, ended: observation.lastModified) : nil
            }
            entry.baseline.resumedFrom = entry.baseline.silentSince
            entry.baseline.silentSince = nil
            entry.stateChanged = true
            events.append(resumption(entry, lastBefore: last.time, now: observation.lastModified.timeIntervalSince1970))
        }
        let fieldsBefore = entry.baseline.numericFields.count
        let dayBefore = entry.baseline.recent.last.map { SourceHistory.day(of: $0.time) }
        guard
            entry.baseline.record(
                observation, embeddedTime: source.embeddedTime, numericMetadata: values, categories: categories,
                newValuesAfter: detector.configuration.learningObjects,
                establishedAfter: detector.configuration.establishedObjects)
        else {
            // Already learnt from (another replica, or a redelivery): judged, not counted twice.
            put(entry)
            return SourceVerdict(
                sourceId: id, source: source, findings: findings, events: events,
                baseline: entry.profile.summary(of: entry.baseline))
        }
        entry.dirty = true
        bucketHistories[bucket, default: SourceHistory()].record(
            time: observation.lastModified.timeIntervalSince1970, size: observation.size)
        if entry.baseline.state == .learning, entry.baseline.objectCount >= detector.configuration.learningObjects {
            entry.baseline.state = .normal
        }
        // A numeric field the source never had makes the profile stale at once: the next object
        // with it must be judged as one of the few that have it.
        refreshProfile(&entry, force: entry.baseline.numericFields.count != fieldsBefore)
        if overflowing {
            events.append(
                event(
                    entry,
                    Finding(
                        check: .sourceStorm, field: "sources", value: bucket, observed: Double(maximumSourcesPerBucket),
                        detail:
                            "bucket \(bucket) holds \(maximumSourcesPerBucket) sources (EDAL_MAX_SOURCES): objects of templates never seen are judged together under \(Self.overflowTemplate)"
                    ),
                    episode: nil))
        } else if let storm = learnt.storm {
            events.append(
                event(
                    entry,
                    Finding(
                        check: .sourceStorm, field: "prefix", value: storm.prefix, observed: Double(storm.templates),
                        detail:
                            "\(storm.templates) new key templates under \(storm.prefix.isEmpty ? "the bucket's root" : storm.prefix) within \(Int(learner.configuration.stormSeconds / 60)) minutes: announced once; the positions that keep changing become placeholders"
                    ),
                    episode: observation.lastModified))
        } else if isNew, !learnt.inStorm, !learnt.firstOfShape {
            entry.announcePending = true
        } else if isNew || entry.announcePending, !learnt.inStorm {
            entry.announcePending = false
            let replaced = predecessors(of: entry.baseline)
            if replaced.isEmpty {
                events.append(newSourceEvent(entry))
            } else {
                entry.successorOf = replaced
                for predecessor in replaced { successors[predecessor, default: []].insert(id) }
            }
        }
        // A source that delivers again was not replaced; a new one waiting on sources that all
        // delivered again is new.
        if !isNew, let waiting = successors.removeValue(forKey: id) {
            for successor in waiting.sorted() {
                guard var other = entries[successor], var candidates = other.successorOf else { continue }
                candidates.remove(id)
                other.successorOf = candidates.isEmpty ? nil : candidates
                if candidates.isEmpty { events.append(newSourceEvent(other)) }
                put(other)
            }
        }
        burst(&entry, at: observation.lastModified, into: &events)
        rateDrop(&entry, at: observation.lastModified, into: &events)
        // Sizes by the day: looked at once a day, with the first object of a new UTC day.
        if let dayBefore, SourceHistory.day(of: observation.lastModified.timeIntervalSince1970) > dayBefore {
            sizeTrend(&entry, at: observation.lastModified, into: &events)
        }
        put(entry)
        return SourceVerdict(
            sourceId: id, source: source, findings: findings, events: events,
            baseline: entry.profile.summary(of: entry.baseline))
    }

    private func newSourceEvent(_ entry: Entry) -> SourceEvent {
        event(
            entry,
            Finding(
                check: .newSource, field: "template", value: entry.baseline.template,
                detail: "first object of a source never seen before\(entry.baseline.producer.map { " (\($0))" } ?? "")"),
            episode: nil)
    }

    /// The text of `template` before the directory its first placeholder is in.
    static func directory(of template: String) -> Substring {
        let firstPlaceholder = template.firstIndex { $0 == "%" || $0 == "{" } ?? template.endIndex
        guard let slash = template[..<firstPlaceholder].lastIndex(of: "/") else { return "" }
        return template[...slash]
    }

    private static func directoryKey(_ bucket: String, _ directory: Substring) -> String {
        bucket + "\u{0}" + directory
    }

    /// The literal beginning of a template's file name, before its first placeholder
    /// (`part-` of `…/part-{n}.json`).
    static func fileStem(of template: String) -> Substring {
        let file = template[(template.lastIndex(of: "/").map { template.index(after: $0) } ?? template.startIndex)...]
        return file[..<(file.firstIndex { $0 == "%" || $0 == "{" } ?? file.endIndex)]
    }

    /// Normal sources of the same producer, whose file names begin alike, in the directory of
    /// `baseline`'s template or one above it: those it may be the new layout of.
    private func predecessors(of baseline: SourceBaseline) -> Set<String> {
        var directory = Self.directory(of: baseline.template)
        let stem = Self.fileStem(of: baseline.template)
        var found = Set<String>()
        while true {
            for id in byDirectory[Self.directoryKey(baseline.bucket, directory)] ?? [] where id != baseline.id {
                guard let other = entries[id], other.baseline.state == .normal,
                    other.baseline.producer == baseline.producer,
                    Self.fileStem(of: other.baseline.template) == stem
                else { continue }
                found.insert(id)
            }
            guard let slash = directory.dropLast().lastIndex(of: "/") else { break }
            directory = directory[...slash]
        }
        return found
    }

    /// A new, empty source, counted against its bucket's bound.
    private mutating func newEntry(id: String, bucket: String, source: SourceKey, firstSeen: Date) -> Entry {
        sourcesPerBucket[bucket, default: 0] += 1
        byDirectory[Self.directoryKey(bucket, Self.directory(of: source.template)), default: []].insert(id)
        let baseline = SourceBaseline(
            id: id, bucket: bucket, template: source.template, producer: source.producer, firstSeen: firstSeen)
        return Entry(
            baseline: baseline, profile: SourceProfile(baseline), dirty: true, stateChanged: false, modelBuiltAt: 0)
    }

    /// Folds the source `id` into the source of `template` (the learner found they are one
    /// producer): what it learnt is kept, and no new source is announced for the merged one.
    private mutating func fold(_ id: String, into template: String, bucket: String) {
        guard let member = remove(id) else { return }
        fold(member.baseline, into: template, bucket: bucket)
    }

    private mutating func fold(_ baseline: SourceBaseline, into template: String, bucket: String) {
        let target = SourceBaseline.id(bucket: bucket, template: template)
        var entry =
            entries.removeValue(forKey: target)
            ?? newEntry(
                id: target, bucket: bucket, source: SourceKey(template: template), firstSeen: baseline.firstSeen)
        entry.baseline.merge(baseline)
        if entry.baseline.state == .learning, entry.baseline.objectCount >= detector.configuration.learningObjects {
            entry.baseline.state = .normal
        }
        entry.dirty = true
        refreshProfile(&entry, force: true)
        put(entry)
    }

    /// Stores `entry` and files its silence deadline.
    private mutating func put(_ entry: Entry) {
        let id = entry.baseline.id
        entries[id] = entry
        if entry.baseline.unpublishedEvents == nil {
            withUnpublished.remove(id)
        } else {
            withUnpublished.insert(id)
        }
        noteChange(id)
        let wait = detector.silenceWait(
            entry.baseline, profile: entry.profile, bucket: bucketHistories[entry.baseline.bucket])?.wait
        silence.set(id, due: wait.flatMap { wait in entry.baseline.recent.last.map { $0.time + wait } })
    }

    private mutating func noteChange(_ id: String) {
        guard !changesOverflowed else { return }
        changed.insert(id)
        if changed.count > max(4096, 2 * entries.count) {
            changed.removeAll()
            changesOverflowed = true
        }
    }

    /// Removes the source `id`; answers what it was.
    @discardableResult
    private mutating func remove(_ id: String) -> Entry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        sourcesPerBucket[entry.baseline.bucket, default: 1] -= 1
        byDirectory[Self.directoryKey(entry.baseline.bucket, Self.directory(of: entry.baseline.template))]?.remove(id)
        successors[id] = nil
        noteChange(id)
        silence.set(id, due: nil)
        return entry
    }

    private mutating func rateDrop(_ entry: inout Entry, at time: Date, into events: inout [SourceEvent]) {
        if entry.baseline.rateDropSince != nil {
            if detector.rateRecovered(
                entry.baseline, profile: entry.profile, at: time, bucket: bucketHistories[entry.baseline.bucket])
            {
                entry.baseline.rateDropSince = nil
                entry.stateChanged = true
            }
        } else if entry.baseline.burstSince == nil,
            let finding = detector.rateDrop(
                entry.baseline, profile: entry.profile, at: time,
                bucket: bucketHistories[entry.baseline.bucket])
        {
            entry.baseline.rateDropSince = time
            entry.stateChanged = true
            events.append(event(entry, finding, episode: time))
        }
    }

    private mutating func sizeTrend(_ entry: inout Entry, at time: Date, into events: inout [SourceEvent]) {
        if entry.baseline.sizeTrendSince != nil {
            if detector.sizeTrendOver(entry.baseline) {
                entry.baseline.sizeTrendSince = nil
                entry.stateChanged = true
            }
        } else if let finding = detector.sizeTrend(entry.baseline) {
            entry.baseline.sizeTrendSince = time
            entry.stateChanged = true
            events.append(event(entry, finding, episode: time))
        }
    }

    private mutating func burst(_ entry: inout Entry, at time: Date, into events: inout [SourceEvent]) {
        if let since = entry.baseline.burstSince {
            if detector.burstEnded(
                entry.baseline, profile: entry.profile, at: time, bucket: bucketHistories[entry.baseline.bucket])
                || time.timeIntervalSince(since) > 86_400
            {
                entry.baseline.burstSince = nil
                entry.stateChanged = true
            }
        } else if let finding = detector.burst(
            entry.baseline, profile: entry.profile, at: time, bucket: bucketHistories[entry.baseline.bucket])
        {
            entry.baseline.burstSince = time
            entry.stateChanged = true
            events.append(event(entry, finding, episode: time))
        }
    }

    private func refreshProfile(_ entry: inout Entry, force: Bool = false) {
        let count = entry.baseline.objectCount
        let added = count - entry.profile.builtAt
        let newest = entry.baseline.recent.last?.time ?? 0
        let slowSource =
            added >= profileRefreshObjects / 16
            && newest - (entry.profile.builtThrough ?? 0) >= 6 * profileRefreshSeconds
        guard force || slowSource || added >= min(profileRefreshObjects, max(1, count / 4)) else {
            // Between full refreshes, the cheap size statistics follow the source's hour.
            if count - entry.profile.sizesBuiltAt >= profileRefreshObjects / 16,
                newest - (entry.profile.sizesBuiltThrough ?? 0) >= profileRefreshSeconds
            {
                entry.profile.refreshSizes(entry.baseline)
            }
            return
        }
        // Sources that started together (EDAL pointed at an existing bucket) would retrain
        // together; a per-source offset of up to a quarter spreads the work.
        let stagger = Int64(Self.seed(entry.baseline.id) % UInt64(max(1, modelRefreshObjects / 4)))
        let previous = entry.profile.model
        entry.profile = SourceProfile(entry.baseline, trainModel: false)
        let age = count - entry.modelBuiltAt
        let retrain: Bool
        if let previous {
            // Young (until its window of recent arrivals has turned over once): after half as many
            // objects again. Grown: when the fields moved from what the forest was trained on
            // (checked at every refresh once `modelRefreshObjects` passed), and at the latest after
            // four times `modelRefreshObjects` — a source that keeps its shape keeps its forest.
            let young = count < 2 * Int64(SourceBaseline.capacity)
            retrain =
                young
                ? age >= max(1, count / 2)
                : age >= 4 * modelRefreshObjects - stagger
                    || (age >= modelRefreshObjects - stagger && previous.isStale(for: entry.profile))
        } else {
            retrain = true
        }
        if retrain {
            entry.profile.trainModel(entry.baseline, seed: Self.seed(entry.baseline.id))
            if entry.profile.model != nil { entry.modelBuiltAt = count }
        } else {
            entry.profile.model = previous
        }
    }

    /// How many seconds behind `LastModified` this worker has recently seen objects (its queue's lag
    /// plus clock skew, and S3's whole-second `LastModified`): a source is judged silent only after
    /// `k` usual gaps *plus* this, so a worker that falls behind does not call its sources silent.
    public var deliveryLag: Double { lag.allowance }

    /// The earliest moment after `after` at which a source in the normal state will count as
    /// silent if nothing arrives, so a checker can wake then rather than at its next tick. A
    /// deadline at or before `after` (handled: another replica checked it) is not answered again.
    public mutating func nextSilenceDue(after: Date = .distantPast) -> Date? {
        let allowance = max(lag.allowance, 0)
        return silence.next(after: after.timeIntervalSince1970 - allowance).map {
            Date(timeIntervalSince1970: $0 + allowance)
        }
    }

    /// The silence events at `now`: sources in the normal state that delivered nothing for `k` usual
    /// gaps. Only the sources whose deadline passed are looked at.
    public mutating func checkSilence(now: Date) -> [SourceEvent] {
        var events: [SourceEvent] = []
        let allowance = lag.allowance
        for id in silence.takeDue(through: now.timeIntervalSince1970 - max(allowance, 0)) {
            guard var entry = entries[id] else { continue }
            guard
                let finding = detector.silence(
                    entry.baseline, profile: entry.profile, now: now, allowance: allowance,
                    bucket: bucketHistories[entry.baseline.bucket]),
                let last = entry.baseline.recent.last
            else {
                put(entry)
                continue
            }
            entry.baseline.state = .silent
            entry.baseline.silentSince = now
            entry.dirty = true
            entry.stateChanged = true
            var silence = finding
            // A new source waiting on this one is its new layout: one signal for both.
            for successor in (successors.removeValue(forKey: id) ?? []).sorted() {
                guard var other = entries[successor], other.successorOf != nil else { continue }
                other.successorOf = nil
                put(other)
                if silence.check == .silentSource {
                    silence = Finding(
                        check: .layoutChanged, field: "template", value: other.baseline.template,
                        observed: finding.observed,
                        expected: finding.expected,
                        detail:
                            "the source stopped (\(finding.detail)) while \(other.baseline.template) started in the same directory: its key layout changed"
                    )
                }
            }
            events.append(event(entry, silence, episode: Date(timeIntervalSince1970: last.time)))
            put(entry)
        }
        return events
    }

    /// The resumption of a silent source: its episode is the last arrival before the silence.
    private func resumption(_ entry: Entry, lastBefore: Double, now: Double) -> SourceEvent {
        event(
            entry,
            Finding(
                check: .resumed, field: "seconds_since_last_object", observed: now - lastBefore,
                expected: entry.profile.cadence,
                detail: String(format: "delivering again after %.0f s of silence", now - lastBefore)),
            episode: Date(timeIntervalSince1970: lastBefore))
    }

    private func event(_ entry: Entry, _ finding: Finding, episode: Date?) -> SourceEvent {
        SourceEvent(
            sourceId: entry.baseline.id, bucket: entry.baseline.bucket, template: entry.baseline.template,
            producer: entry.baseline.producer, finding: finding, episode: episode,
            lastObject: entry.baseline.lastObject,
            baseline: entry.profile.summary(of: entry.baseline))
    }

    // MARK: Sharing baselines

    /// Every baseline known here, by id.
    public var baselines: [SourceBaseline] { entries.values.map(\.baseline).sorted { $0.id < $1.id } }

    public func baseline(_ id: String) -> SourceBaseline? { entries[id]?.baseline }

    /// How many sources are in each state.
    public var countsByState: [SourceBaseline.State: Int] {
        var counts: [SourceBaseline.State: Int] = [:]
        for entry in entries.values { counts[entry.baseline.state, default: 0] += 1 }
        return counts
    }

    /// Forgets the sources whose last object (or first sighting, before any) was written before
    /// `cutoff` and that hold nothing unsaved; answers the ids forgotten. A source forgotten and then
    /// delivering again is new: it is announced and learnt afresh.
    public mutating func forget(lastSeenBefore cutoff: Date) -> [String] {
        let stale = entries.filter { _, entry in
            !entry.dirty && (entry.baseline.lastObject?.lastModified ?? entry.baseline.firstSeen) < cutoff
        }.keys.sorted()
        for id in stale { remove(id) }
        return stale
    }

    /// The sources changed since the last call (as they are now) and the ids of those removed: what a
    /// reader that keeps its own copy (the operator page) needs, at a cost of the changes, not of
    /// every source.
    /// With `everything`, `changed` holds every source and the reader's copy is to be replaced.
    public mutating func takeChanges() -> (changed: [SourceBaseline], removed: [String], everything: Bool) {
        if changesOverflowed {
            changesOverflowed = false
            return (entries.values.map(\.baseline), [], true)
        }
        var baselines: [SourceBaseline] = []
        var removed: [String] = []
        for id in changed {
            if let entry = entries[id] { baselines.append(entry.baseline) } else { removed.append(id) }
        }
        changed.removeAll(keepingCapacity: changed.count < 4096)
        return (baselines, removed, false)
    }

    /// The object count at which the source's forest was last trained.
    func modelBuiltAt(_ id: String) -> Int64? { entries[id]?.modelBuiltAt }

    /// The baselines changed since they were last saved.
    public func dirtyBaselines() -> [SourceBaseline] { entries.values.filter(\.dirty).map(\.baseline) }

    /// Records that `baseline` (as it was when handed out) is now stored with `version`.
    public mutating func markSaved(_ baseline: SourceBaseline, version: Int64) {
        guard var entry = entries[baseline.id] else { return }
        entry.baseline.version = version
        // Objects recorded while the save was in flight keep the entry dirty.
        entry.dirty =
            entry.baseline.objectCount != baseline.objectCount || entry.baseline.state != baseline.state
            || entry.baseline.burstSince != baseline.burstSince
            || entry.baseline.rateDropSince != baseline.rateDropSince
            || entry.baseline.sizeTrendSince != baseline.sizeTrendSince
        if !entry.dirty { entry.stateChanged = false }
        // What was saved of the unpublished events is the store's now; changes since stay ours.
        let saved = Set(baseline.unpublishedEvents?.keys.map { $0 } ?? [])
        entry.unpublishedAdded.subtract(saved)
        entry.unpublishedRemoved = entry.unpublishedRemoved.filter { saved.contains($0) }
        entry.dirty = entry.dirty || !entry.unpublishedAdded.isEmpty || !entry.unpublishedRemoved.isEmpty
        put(entry)
    }

    /// Keeps `payload`, an event about source `sourceId` that no sink took (`id` its signal id), with
    /// the source's baseline until `published(_:of:)`; answers `false` for an unknown source.
    @discardableResult
    public mutating func keepUnpublished(_ id: String, payload: String, of sourceId: String) -> Bool {
        guard var entry = entries[sourceId] else { return false }
        var kept = entry.baseline.unpublishedEvents ?? [:]
        kept[id] = payload
        while kept.count > SourceBaseline.unpublishedCapacity, let oldest = kept.keys.sorted().first {
            kept[oldest] = nil
        }
        entry.baseline.unpublishedEvents = kept
        entry.unpublishedAdded.insert(id)
        entry.unpublishedRemoved.remove(id)
        entry.dirty = true
        put(entry)
        return true
    }

    /// Every kept unpublished event: its source, its id and its payload.
    public func unpublishedEvents() -> [(sourceId: String, id: String, payload: String)] {
        withUnpublished.flatMap { id in
            (entries[id]?.baseline.unpublishedEvents ?? [:]).map { (id, $0.key, $0.value) }
        }.sorted { $0.id < $1.id }
    }

    /// Whether any source keeps an unpublished event (asked every round; no walk of the sources).
    public var hasUnpublishedEvents: Bool {
        withUnpublished.contains { entries[$0]?.baseline.unpublishedEvents != nil }
    }

    /// Forgets the kept event `id` of `sourceId`: a sink took it.
    public mutating func published(_ id: String, of sourceId: String) {
        guard var entry = entries[sourceId], entry.baseline.unpublishedEvents?[id] != nil else { return }
        entry.baseline.unpublishedEvents?[id] = nil
        if entry.baseline.unpublishedEvents?.isEmpty == true { entry.baseline.unpublishedEvents = nil }
        entry.unpublishedAdded.remove(id)
        entry.unpublishedRemoved.insert(id)
        entry.dirty = true
        put(entry)
    }

    /// Folds in a baseline read from the store (written by any replica): what either side learnt
    /// is kept; the store's state wins unless this worker changed the state since it last saved.
    ///
    /// Answers the resumption this worker saw without knowing it: the store says the source went
    /// silent, and an object this worker recorded arrived after that.
    @discardableResult
    public mutating func absorb(_ stored: SourceBaseline) -> SourceEvent? {
        if stored.producer == nil, stored.template != Self.overflowTemplate {
            let template = learner.generalised(bucket: stored.bucket, template: stored.template)
            // Another replica's source of a template this one merged: folded into the merged one.
            if template != stored.template {
                fold(stored, into: template, bucket: stored.bucket)
                return nil
            }
        }
        guard var entry = entries[stored.id] else {
            sourcesPerBucket[stored.bucket, default: 0] += 1
            byDirectory[Self.directoryKey(stored.bucket, Self.directory(of: stored.template)), default: []].insert(
                stored.id)
            put(
                Entry(
                    baseline: stored, profile: SourceProfile(stored, seed: Self.seed(stored.id)), dirty: false,
                    stateChanged: false, modelBuiltAt: stored.objectCount))
            return nil
        }
        let before = entry.baseline.objectCount
        var merged = stored
        merged.merge(entry.baseline)
        if entry.stateChanged {
            merged.state = entry.baseline.state
            merged.silentSince = entry.baseline.silentSince
            merged.burstSince = entry.baseline.burstSince
            merged.rateDropSince = entry.baseline.rateDropSince
            merged.sizeTrendSince = entry.baseline.sizeTrendSince
            merged.briefSilence = entry.baseline.briefSilence
            merged.resumedFrom = entry.baseline.resumedFrom
            // Unless this replica ended that very silence, its unsaved change was of another kind
            // (a rate drop, a burst): the silence another replica stored stands, and the check
            // below ends it only for an object that replica did not know. (Without this, one
            // replica's rate drop erased another's silence unseen, and the silence was declared
            // again: the simulation's source watcher found it.)
            if stored.state == .silent, entry.baseline.state != .silent,
                entry.baseline.resumedFrom != stored.silentSince
            {
                merged.state = .silent
                merged.silentSince = stored.silentSince
            }
        }
        if merged.state == .learning, merged.objectCount >= detector.configuration.learningObjects {
            merged.state = .normal
        }
        merged.version = stored.version
        // Unpublished events: the store's, with what was kept or published here since the last save.
        var unpublished = stored.unpublishedEvents ?? [:]
        for id in entry.unpublishedAdded { unpublished[id] = entry.baseline.unpublishedEvents?[id] }
        for id in entry.unpublishedRemoved { unpublished[id] = nil }
        merged.unpublishedEvents = unpublished.isEmpty ? nil : unpublished
        entry.dirty =
            entry.dirty
            && (merged.objectCount != stored.objectCount || entry.stateChanged || !entry.unpublishedAdded.isEmpty
                || !entry.unpublishedRemoved.isEmpty)
        entry.baseline = merged
        var resumed: SourceEvent?
        // An object recorded here that the replica which declared the silence did not know, no
        // older than the last object it knew: the source delivered again (LastModified has whole
        // seconds, so times alone cannot tell).
        if entry.baseline.state == .silent, let lastBefore = stored.recent.last {
            let known = Set(stored.recent.map(\.object))
            if let ours = entry.baseline.recent.last(where: { !known.contains($0.object) && $0.time >= lastBefore.time }
            ) {
                entry.baseline.state = .normal
                entry.baseline.resumedFrom = entry.baseline.silentSince
                entry.baseline.silentSince = nil
                entry.stateChanged = true
                entry.dirty = true
                resumed = resumption(entry, lastBefore: lastBefore.time, now: ours.time)
            }
        }
        if merged.objectCount != before || entry.profile.recentCount == 0 { refreshProfile(&entry) }
        put(entry)
        return resumed
    }

    /// Forgets a source's local changes to a state that another replica decided (used when a
    /// conditional write lost): the store's copy is absorbed next.
    public mutating func discardStateChange(_ id: String) {
        entries[id]?.stateChanged = false
    }

    /// A seed from the source id, so every replica trains the same forest on the same baseline.
    static func seed(_ id: String) -> UInt64 {
        SourceBaseline.objectHash(bucket: id, key: "", eTag: "")
    }
}
