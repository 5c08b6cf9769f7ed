import EDALDetection
import EDALState
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The worker's view of every source: judges objects against the shared baselines and keeps those
/// baselines in step with the state store, where what every replica learnt meets.
///
/// Baselines are stored as versioned documents (`source/<bucket>/<template>`) and written with a
/// compare-and-set: a replica whose write loses reads the stored copy, merges what it learnt into
/// it (arrivals are deduplicated by object) and writes again at the next sync. Writes happen per
/// sync (every `EDAL_SOURCE_SYNC_INTERVAL`, before each silence check, and at the end of a drain),
/// not per object. Two moments are decided in
/// the store at once: a new source (only the replica whose first write wins announces it) and a
/// silence (only the replica whose state change wins signals it).
public final class SourceTracker: Sendable {
    /// Model names under which baselines are stored.
    public static let storePrefix = "source/"
    /// The silence check's leases: `silence-check/window-N` or `silence-check/due-T`.
    static let leasePrefix = "silence-check/"

    let registry: NIOLockedValueBox<SourceRegistry>
    /// A copy of every baseline for readers of all of them (the operator page, `edal sources`, the
    /// gauges): brought up to date by the changes since it was last read, so that the registry's
    /// lock, which `observe` waits on, is held for the changes and never for a walk of every source.
    private let published: NIOLockedValueBox<[String: SourceBaseline]>
    private let lastPull: NIOLockedValueBox<Date?>
    public let store: (any BaselineStore & LeaseStore)?
    /// When an object was seen (how far behind S3 this worker is, which silences allow for) and
    /// the silence checks' now, on one clock (virtual in the simulation).
    public let clock: any WorkerClock
    let logger: Logger

    public init(
        registry: SourceRegistry, store: (any BaselineStore & LeaseStore)?, clock: any WorkerClock = SystemClock(),
        logger: Logger = Logger(label: "edal.sources")
    ) {
        self.registry = NIOLockedValueBox(registry)
        self.published = NIOLockedValueBox([:])
        self.lastPull = NIOLockedValueBox(nil)
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Every source known to this worker, by id.
    public var baselines: [SourceBaseline] { publishedBaselines { $0.values.sorted { $0.id < $1.id } } }

    /// How many sources this worker knows in each state.
    public var countsByState: [SourceBaseline.State: Int] {
        publishedBaselines { baselines in
            var counts: [SourceBaseline.State: Int] = [:]
            for baseline in baselines.values { counts[baseline.state, default: 0] += 1 }
            return counts
        }
    }

    /// Runs `body` on the published copy of every baseline, first brought up to date.
    private func publishedBaselines<Result>(_ body: ([String: SourceBaseline]) -> Result) -> Result {
        published.withLockedValue { copy in
            let (changed, removed, everything) = registry.withLockedValue { $0.takeChanges() }
            if everything { copy.removeAll() }
            for baseline in changed { copy[baseline.id] = baseline }
            for id in removed { copy[id] = nil }
            return body(copy)
        }
    }

    /// The detector's configuration (mode-independent thresholds).
    public var detector: SourceDetector { registry.withLockedValue { $0.detector } }

    /// Judges and learns from `observations`, in order. A new source's event is kept only when this
    /// worker's first write of its baseline wins in the store.
    public func observe(_ observations: [ObjectObservation]) async -> [SourceVerdict] {
        let now = clock.now
        var verdicts = registry.withLockedValue { registry in observations.map { registry.observe($0, at: now) } }
        // By the event's source: a verdict can carry another source's announcement (a new source
        // that waited on this one).
        let newIds = Set(verdicts.flatMap { $0.events.filter { $0.finding.check == .newSource }.map(\.sourceId) })
        guard store != nil, !newIds.isEmpty else { return verdicts }
        let baselines = registry.withLockedValue { registry in newIds.sorted().compactMap { registry.baseline($0) } }
        do {
            let lost = try await write(baselines).lost
            for index in verdicts.indices {
                verdicts[index].events.removeAll { $0.finding.check == .newSource && lost.contains($0.sourceId) }
            }
        } catch {
            // Announcing twice (two replicas) is the lesser harm than never announcing.
            logger.notice(
                "cannot record new sources in the store; announcing them anyway", metadata: ["error": .error(error)])
        }
        return verdicts
    }

    /// Writes the baselines changed here, then reads those other replicas changed since the last
    /// sync; answers the resumptions found on the way (a source the store says is silent, which
    /// delivered here before this worker knew).
    @discardableResult
    public func sync(now: Date? = nil) async throws -> [SourceEvent] {
        guard let store else { return [] }
        let now = now ?? clock.now
        var events: [SourceEvent] = []
        let dirty = registry.withLockedValue { $0.dirtyBaselines() }.sorted { $0.id < $1.id }
        for chunk in stride(from: 0, to: dirty.count, by: 100).map({ Array(dirty[$0..<min($0 + 100, dirty.count)]) }) {
            // Where another replica wrote first, its copy is merged now and ours goes out at the next sync.
            events += try await write(chunk).events
        }
        // A margin for clocks that disagree between replicas and the store.
        let since = lastPull.withLockedValue { $0 }.map { $0.addingTimeInterval(-30) }
        var after: String?
        while true {
            let page = try await store.loadBaselines(
                prefix: Self.storePrefix, savedSince: since, after: after, limit: 100)
            events += absorb(page)
            guard page.count == 100, let last = page.last?.name else { break }
            after = last
        }
        lastPull.withLockedValue { $0 = now }
        return events
    }

    /// The sources that went silent at `now`. With a store, a silence is signalled only by the
    /// replica whose state change is stored first.
    public func checkSilence(now: Date? = nil) async -> [SourceEvent] {
        let now = now ?? clock.now
        var events = registry.withLockedValue { $0.checkSilence(now: now) }
        guard store != nil, !events.isEmpty else { return events }
        let baselines = registry.withLockedValue { registry in events.compactMap { registry.baseline($0.sourceId) } }
        do {
            let lost = try await write(baselines, discardingLostState: true).lost
            events.removeAll { lost.contains($0.sourceId) }
        } catch {
            logger.notice(
                "cannot record silent sources in the store; signalling them anyway", metadata: ["error": .error(error)])
        }
        return events
    }

    /// Forgets the sources that delivered nothing for `retention`: here, and in the store (where
    /// their baselines were last saved that long ago). Answers how many this worker forgot and how
    /// many baselines the store deleted.
    @discardableResult
    public func forgetSources(silentFor retention: Duration, now: Date? = nil) async throws -> (here: Int, stored: Int)
    {
        let now = now ?? clock.now
        let cutoff = now.addingTimeInterval(-retention.seconds)
        let forgotten = registry.withLockedValue { $0.forget(lastSeenBefore: cutoff) }
        let deleted =
            try await (store as? any BaselinePruning)?.pruneBaselines(prefix: Self.storePrefix, savedBefore: cutoff)
            ?? 0
        if !forgotten.isEmpty || deleted > 0 {
            logger.info(
                "forgot sources that delivered nothing for the source retention",
                metadata: [
                    "here": "\(forgotten.count)", "stored_baselines_deleted": "\(deleted)",
                    "retention_days": "\(String(format: "%.1f", retention.seconds / 86_400))",
                ])
        }
        return (forgotten.count, deleted)
    }

    /// The earliest moment after `after` at which a known source will count as silent if nothing arrives.
    public func nextSilenceDue(after: Date = .distantPast) -> Date? {
        registry.withLockedValue { $0.nextSilenceDue(after: after) }
    }

    /// Takes the silence check's lease for the window containing `now` — or, for a check woken by
    /// a source's deadline, for that deadline — so one replica checks at a time. (Two that did
    /// would still signal a silence once: the state change is stored by compare-and-set.)
    public func takeSilenceLease(owner: String, now: Date, interval: Duration, deadline: Date? = nil) async -> Bool {
        guard let store else { return true }
        let window = Int64(now.timeIntervalSince1970) / max(1, Int64(interval.seconds))
        let tag = deadline.map { "due-\(Int64($0.timeIntervalSince1970.rounded(.up)))" } ?? "window-\(window)"
        do {
            // Never released: held until it runs out, so no other replica checks this window or deadline.
            return try await store.acquireLease(Self.leasePrefix + tag, owner: owner, ttl: interval) != nil
        } catch {
            logger.notice("cannot take the silence check's lease", metadata: ["error": .error(error)])
            return false
        }
    }

    /// Writes each baseline at its version + 1 in one round trip (a compare-and-set), records the
    /// ones that won, and merges the stored copies of the ones that lost — forgetting this worker's
    /// state change first when `discardingLostState` (another replica decided it). Answers the ids
    /// that lost and the resumptions found while merging.
    private func write(_ baselines: [SourceBaseline], discardingLostState: Bool = false) async throws
        -> (lost: Set<String>, events: [SourceEvent])
    {
        guard let store, !baselines.isEmpty else { return ([], []) }
        let saved = try await store.saveBaselines(try baselines.map { try Self.stored($0, version: $0.version + 1) })
        var lost: [String] = []
        registry.withLockedValue { registry in
            for (baseline, won) in zip(baselines, saved) {
                if won {
                    registry.markSaved(baseline, version: baseline.version + 1)
                } else {
                    if discardingLostState { registry.discardStateChange(baseline.id) }
                    lost.append(baseline.id)
                }
            }
        }
        return (Set(lost), lost.isEmpty ? [] : try await pull(ids: lost))
    }

    private func pull(ids: [String]) async throws -> [SourceEvent] {
        guard let store else { return [] }
        var models: [StoredBaseline] = []
        for id in ids {
            if let model = try await store.loadBaseline(named: Self.storePrefix + id) { models.append(model) }
        }
        return absorb(models)
    }

    private func absorb(_ models: [StoredBaseline]) -> [SourceEvent] {
        var decoded: [SourceBaseline] = []
        for model in models {
            do {
                var baseline = try Self.decoder.decode(SourceBaseline.self, from: Data(model.payload))
                baseline.version = model.version
                decoded.append(baseline)
            } catch {
                logger.warning(
                    "a stored source baseline cannot be read; it is relearnt",
                    metadata: ["name": "\(model.name)", "error": .error(error)])
            }
        }
        return registry.withLockedValue { registry in
            var events: [SourceEvent] = []
            for baseline in decoded where (registry.baseline(baseline.id)?.version ?? -1) < baseline.version {
                if let event = registry.absorb(baseline) { events.append(event) }
            }
            return events
        }
    }

    static func stored(_ baseline: SourceBaseline, version: Int64) throws -> StoredBaseline {
        var copy = baseline
        copy.version = version
        return StoredBaseline(
            name: storePrefix + baseline.id, version: version, writtenAt: Date(),
            payload: Array(try encoder.encode(copy)))
    }

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()
}
