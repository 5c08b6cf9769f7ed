import EDALDetection
import Foundation

/// One object a simulated producer delivers: what HEAD and the notification would say, and its
/// ground truth.
public struct SimulatedObject: Sendable {
    public var observation: ObjectObservation
    /// The incident this object carries, for object-level incidents.
    public var incident: IncidentKind?
    /// The producer's source it belongs to (ground truth, independent of EDAL's templates).
    public var sourceName: String
}

/// A bucket written by one producer profile over a warm-up period and a measured period, with
/// labelled incidents injected in the measured period (none on a clean one). Deterministic for a
/// seed; time is simulated, so a week runs in seconds.
///
/// By default the warm-up is eight days and the measured period a week, both starting on a
/// Wednesday: the measured week's weekend has one before it. Every source delivers a third as
/// many objects on Saturdays and Sundays (UTC), as producers that follow business traffic do.
public struct ProducerScenario: Sendable {
    public var profile: ProducerProfile
    public var seed: UInt64
    public var bucket: String
    public var sources: Int
    /// Seconds of clean deliveries before the measured period (every source learns in it).
    public var warmUp: TimeInterval
    /// The measured period, in seconds.
    public var day: TimeInterval
    /// The share of a weekday's objects each source delivers on Saturdays and Sundays (UTC).
    public var weekendShare: Double = 1.0 / 3
    /// Incidents of each kind in the measured day; 0 for a clean day.
    public var incidentsPerKind: Int
    public var start: Date
    /// How large the size and burst incidents are, for a recall-against-magnitude table: a blow-up
    /// `magnitude` times the source's usual size at that hour, a near-empty object that many times
    /// smaller, a burst of `magnitude` times the usual objects in an hour. `nil`: the defaults
    /// (25–60 times, 20–120 bytes, 60 extra objects in ten minutes).
    public var magnitude: Double?

    public init(
        profile: ProducerProfile, seed: UInt64 = 1, bucket: String = "telemetry", sources: Int? = nil,
        warmUp: TimeInterval = 8 * 86_400, day: TimeInterval = 7 * 86_400, incidentsPerKind: Int = 4,
        start: Date = Date(timeIntervalSince1970: 1_795_000_000)
    ) {
        self.profile = profile
        self.seed = seed
        self.bucket = bucket
        self.sources = sources ?? profile.defaultSources
        self.warmUp = warmUp
        self.day = day
        self.incidentsPerKind = incidentsPerKind
        self.start = start
    }

    /// When the measured day starts.
    public var measuredFrom: Date { start.addingTimeInterval(warmUp) }
    public var end: Date { measuredFrom.addingTimeInterval(day) }

    /// The incident kinds this profile injects.
    public var incidentKinds: [IncidentKind] {
        switch profile {
        case .melt:
            return [
                .errorBurst, .latencySpike, .sizeBlowUp, .nearEmpty, .unseenSeverity, .silence, .newSource, .rateDrop,
            ]
        default:
            return [
                .silence, .burst, .lateDelivery, .sizeBlowUp, .nearEmpty, .encryptionDrift, .newWriter,
                .contentTypeChange, .newSource,
                .valueEpisode, .rateDrop, .clockAhead, .replayedBatch, .layoutChange,
            ]
                // A trend compares days a week apart: only on a measured week with a week before it.
                + (day >= 7 * 86_400 && warmUp >= 7 * 86_400 ? [.sizeGrowth] : [])
        }
    }

    /// Every object in LastModified order, and the incidents.
    public func generate() -> (objects: [SimulatedObject], incidents: [Incident]) {
        var random = SeededRandom(seed: seed ^ 0xED41_5CE9)
        var plan = IncidentPlan()
        plan.measuredEnd = end
        plan.measuredFrom = measuredFrom
        // Object- and source-level incidents on distinct (source, two-hour slot) pairs of the measured day.
        var slots: [(source: Int, slot: Int)] = []
        let slotCount = max(1, Int(day / 7200) - 1)
        for source in 0..<sources { for slot in 0..<slotCount { slots.append((source, slot)) } }
        for position in 0..<slots.count { slots.swapAt(position, random.int(in: position..<slots.count)) }
        var next = 0
        for kind in incidentKinds where incidentsPerKind > 0 {
            for number in 0..<incidentsPerKind {
                if kind == .newSource {
                    let at = measuredFrom.addingTimeInterval(random.uniform(0.1, 0.8) * day)
                    plan.newSources.append((sources + number, at))
                    continue
                }
                guard next < slots.count else { break }
                let (source, slot) = slots[next]
                next += 1
                let at = measuredFrom.addingTimeInterval(Double(slot) * 7200 + random.uniform(600, 3600))
                plan.add(kind, source: source, at: at)
            }
        }

        var objects: [SimulatedObject] = []
        var incidents: [Incident] = []
        let melt = SyntheticMELT(
            options: .init(seed: seed, objectSize: 8 * 1024, anomalyRate: 0, services: ProducerProfile.meltServices))
        var meltIndex = 0
        let allSources = (0..<sources).map { ($0, start) } + plan.newSources
        for (index, from) in allSources {
            let spec = profile.source(index, seed: seed)
            var sourceRandom = SeededRandom(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            var time = from.addingTimeInterval(sourceRandom.uniform(0, spec.cadence))
            var firstKey: String?
            var delivered = 0
            var deliveries = 0
            var history: [ObjectObservation] = []
            var replayed = 0
            var pendingObjectIncidents = plan.objectIncidents[index] ?? []
            while time < end {
                if let silence = plan.silences[index], time >= silence.start, time < silence.end {
                    time = time.addingTimeInterval(spec.cadence)
                    continue
                }
                let dropping =
                    plan.rateDrops[index].map { time >= $0 && time < $0.addingTimeInterval(3 * 3600) } ?? false
                deliveries += 1
                for node in 0..<spec.nodes {
                    // One of two nodes stops; a single producer loses every other delivery.
                    if dropping, spec.nodes > 1 ? node > 0 : deliveries % 2 == 0 { continue }
                    var incident: IncidentKind?
                    if let due = pendingObjectIncidents.firstIndex(where: { $0.at <= time }) {
                        incident = pendingObjectIncidents.remove(at: due).kind
                    }
                    let arrival = time.addingTimeInterval(sourceRandom.uniform(0, 5))
                    delivered += 1
                    // Sources still learning are blind by design: shapes go to sources past twice the learning period.
                    if incident == .none, profile == .melt, time >= measuredFrom, incidentsPerKind > 0, delivered > 48 {
                        incident = meltAnomaly(&sourceRandom)
                    }
                    var object = makeObject(
                        spec, at: arrival, random: &sourceRandom, melt: melt, meltIndex: &meltIndex, incident: incident,
                        layoutChangedAt: plan.layoutChanges[index], growingFrom: plan.growths[index])
                    if incident == .replayedBatch {
                        // The content of an object from about three hours before, under a new key.
                        let then = arrival.addingTimeInterval(-3 * 3600 + Double(replayed) * spec.cadence)
                        replayed += 1
                        if let earlier = history.first(where: { $0.lastModified >= then }) {
                            object.observation.eTag = earlier.eTag
                            object.observation.size = earlier.size
                        }
                    }
                    history.append(object.observation)
                    if history.count > 512 { history.removeFirst(256) }
                    firstKey = firstKey ?? object.observation.key
                    if let kind = object.incident {
                        incidents.append(
                            Incident(
                                kind: kind, sourceId: spec.name, key: object.observation.key, start: arrival,
                                end: arrival))
                    }
                    objects.append(object)
                }
                let step = spec.cadence + sourceRandom.uniform(-spec.jitter, spec.jitter)
                time = time.addingTimeInterval(Self.isWeekend(time) ? step / weekendShare : step)
            }
            if let silence = plan.silences[index] {
                incidents.append(
                    Incident(kind: .silence, sourceId: spec.name, key: firstKey, start: silence.start, end: silence.end)
                )
            }
            if let burst = plan.bursts[index] {
                // Sixty extra objects over ten minutes, of the usual size; or `magnitude` times the
                // usual objects over an hour.
                let hourly = 3600 / spec.cadence * Double(spec.nodes)
                let extras = magnitude.map { Int((($0 - 1) * hourly).rounded()) } ?? 60
                let spacing = magnitude == nil ? 10 : 3600 / Double(max(1, extras))
                for extra in 0..<extras {
                    let at = burst.addingTimeInterval(Double(extra) * spacing)
                    objects.append(
                        makeObject(
                            spec, at: at, random: &sourceRandom, melt: melt, meltIndex: &meltIndex, incident: nil,
                            layoutChangedAt: plan.layoutChanges[index], growingFrom: plan.growths[index]))
                }
                incidents.append(
                    Incident(
                        kind: .burst, sourceId: spec.name, key: firstKey, start: burst,
                        end: burst.addingTimeInterval(Double(extras) * spacing)))
            }
            if let changed = plan.layoutChanges[index] {
                incidents.append(
                    Incident(
                        kind: .layoutChange, sourceId: spec.name, key: firstKey, start: changed,
                        end: changed.addingTimeInterval(3 * 3600)))
            }
            if let growing = plan.growths[index] {
                incidents.append(
                    Incident(kind: .sizeGrowth, sourceId: spec.name, key: firstKey, start: growing, end: end))
            }
            if let drop = plan.rateDrops[index] {
                incidents.append(
                    Incident(
                        kind: .rateDrop, sourceId: spec.name, key: firstKey, start: drop,
                        end: drop.addingTimeInterval(3 * 3600)))
            }
            if let started = plan.newSources.first(where: { $0.index == index }) {
                incidents.append(
                    Incident(
                        kind: .newSource, sourceId: spec.name, key: firstKey, start: started.at,
                        end: started.at.addingTimeInterval(spec.cadence * 2)))
            }
        }
        objects.sort { $0.observation.lastModified < $1.observation.lastModified }
        return (objects, incidents.sorted { $0.start < $1.start })
    }

    private func meltAnomaly(_ random: inout SeededRandom) -> IncidentKind? {
        guard random.unit() < 0.02 else { return nil }
        let shapes: [IncidentKind] = [.errorBurst, .latencySpike, .sizeBlowUp, .nearEmpty, .unseenSeverity]
        return shapes[random.int(in: 0..<shapes.count)]
    }

    private func makeObject(
        _ spec: SourceSpec, at arrival: Date, random: inout SeededRandom, melt: SyntheticMELT,
        meltIndex: inout Int, incident: IncidentKind?, layoutChangedAt: Date? = nil, growingFrom: Date? = nil
    ) -> SimulatedObject {
        var lag = random.uniform(spec.lag.lowerBound, spec.lag.upperBound)
        if incident == .lateDelivery { lag += random.uniform(7200, 21_600) }
        if incident == .clockAhead { lag = -random.uniform(1800, 7200) }
        let keyTime = Date(
            timeIntervalSince1970: ((arrival.timeIntervalSince1970 - lag) / spec.alignKeyTime).rounded(.down)
                * spec.alignKeyTime)
        var key: String
        var size: Double
        var metadata: [String: String] = [:]
        /// Parts, for objects the producer uploads in parts (ETag `…-N`).
        var parts = 1
        var incident = incident
        if let (kind, service) = spec.melt {
            meltIndex += 1
            var object = melt.object(at: meltIndex, kind: kind, service: service, time: keyTime)
            if let shape = incident.flatMap(Self.meltShape) {
                // Regenerate with the shape injected.
                // The same seed: the same service profiles, with an anomaly in every object.
                let shaped = SyntheticMELT(
                    options: .init(
                        seed: seed, objectSize: 8 * 1024, anomalyRate: 1, services: ProducerProfile.meltServices))
                var found: SyntheticObject?
                for attempt in 0..<64 where AnomalyShape.applicable(to: kind).contains(shape) {
                    let candidate = shaped.object(
                        at: meltIndex &+ attempt &* 7919, kind: kind, service: service, time: keyTime)
                    // Only objects whose metadata shows the shape: a shape that drew no fatal record is not an incident.
                    if candidate.anomaly == shape,
                        shape != .unseenSeverity || candidate.metadata["severity-fatal"] != nil
                    {
                        found = candidate
                        break
                    }
                }
                if let found { object = found } else { incident = nil }
            }
            key = object.key
            size = Double(object.body.count)
            metadata = object.metadata
        } else {
            key = spec.key(keyTime, &random)
            // After a layout change, a `v2/` directory before the file name.
            if let changed = layoutChangedAt, arrival >= changed, let slash = key.lastIndex(of: "/") {
                key.insert(contentsOf: "/v2", at: slash)
            }
            let day = 86_400.0
            // Sizes swing with the hour, and grow to twice their size over a week on a growing source.
            let growth = growingFrom.map { arrival > $0 ? pow(2, arrival.timeIntervalSince($0) / (7 * day)) : 1 } ?? 1
            let diurnal = (1 + 0.4 * sin(2 * Double.pi * arrival.timeIntervalSince1970 / day)) * growth
            size = random.logNormal(median: spec.medianSize * diurnal, sigma: spec.sizeSigma)
            // A blow-up is 25–60 times the source's usual size at that hour, not times this
            // object's own draw: a low draw times 25 can land inside the source's ordinary range,
            // where no detector that sees only sizes could tell it (nor should it signal).
            if incident == .sizeBlowUp { size = spec.medianSize * diurnal * (magnitude ?? random.uniform(25, 60)) }
            if incident == .nearEmpty {
                size = magnitude.map { spec.medianSize * diurnal / $0 } ?? random.uniform(20, 120)
            }
            // The producer uploads objects over 2.5 times its usual size in parts: its sources
            // straddle the multipart threshold (a few per cent of objects), which is no incident.
            let partSize = 2.5 * spec.medianSize * diurnal
            if size > partSize { parts = Int(size / partSize) + 1 }
        }
        var observation = ObjectObservation(
            bucket: bucket, key: key,
            eTag: ProducerProfile.token(&random, 32, ProducerProfile.hex) + (parts > 1 ? "-\(parts)" : ""),
            size: Int64(size),
            lastModified: arrival, contentType: spec.contentType, contentEncoding: spec.contentEncoding,
            serverSideEncryption: spec.encryption, kmsKeyId: spec.kmsKey, metadata: metadata, writer: spec.writer,
            sourceIP: spec.sourceIP
        )
        switch incident {
        case .encryptionDrift:
            if observation.serverSideEncryption == "aws:kms" {
                observation.kmsKeyId = "arn:aws:kms:us-east-1:999999999999:key/\(ProducerProfile.uuid(&random))"
            } else {
                observation.serverSideEncryption = "aws:kms"
                observation.kmsKeyId = "arn:aws:kms:us-east-1:999999999999:key/\(ProducerProfile.uuid(&random))"
            }
        case .newWriter:
            observation.writer =
                "AWS:AIDA4\(ProducerProfile.token(&random, 16, ProducerProfile.alphanumeric).uppercased())"
        case .contentTypeChange:
            let types = [
                "text/html; charset=utf-8", "text/plain", "application/zip", "application/x-tar", "binary/octet-stream",
                "application/xml",
            ]
            observation.contentType =
                types[random.int(in: 0..<types.count)] + (random.unit() < 0.5 ? "" : "; v=\(random.int(in: 1..<1000))")
        case .valueEpisode: observation.contentType = "application/vnd.episode+json"
        default: break
        }
        return SimulatedObject(observation: observation, incident: incident, sourceName: spec.name)
    }

    /// The UTC weekday of `time`, 1 for Monday through 7 for Sunday (1970-01-01 was a Thursday).
    static func weekday(_ time: Date) -> Int {
        (Int((time.timeIntervalSince1970 / 86_400).rounded(.down)) + 3) % 7 + 1
    }

    /// Saturday or Sunday, UTC.
    static func isWeekend(_ time: Date) -> Bool { weekday(time) >= 6 }

    static func meltShape(_ incident: IncidentKind) -> AnomalyShape? {
        switch incident {
        case .errorBurst: return .errorBurst
        case .latencySpike: return .latencySpike
        case .sizeBlowUp: return .sizeBlowUp
        case .nearEmpty: return .silentGap
        case .unseenSeverity: return .unseenSeverity
        default: return nil
        }
    }
}

/// Which source gets which incident when.
struct IncidentPlan {
    var objectIncidents: [Int: [(kind: IncidentKind, at: Date)]] = [:]
    var silences: [Int: (start: Date, end: Date)] = [:]
    var bursts: [Int: Date] = [:]
    var rateDrops: [Int: Date] = [:]
    var layoutChanges: [Int: Date] = [:]
    /// Sources whose objects grow from the start of the measured period.
    var growths: [Int: Date] = [:]
    var measuredFrom = Date.distantPast
    /// The end of the measured day.
    var measuredEnd = Date.distantFuture
    var newSources: [(index: Int, at: Date)] = []

    mutating func add(_ kind: IncidentKind, source: Int, at: Date) {
        switch kind {
        case .silence where silences[source] == nil: silences[source] = (at, at.addingTimeInterval(7200))
        case .burst where bursts[source] == nil: bursts[source] = at
        case .rateDrop where rateDrops[source] == nil: rateDrops[source] = at
        case .layoutChange where layoutChanges[source] == nil:
            // At the end of the day: the new template's learning period would hide the source's
            // later incidents (a limit of its own, said in docs/detection.md, not what this measures).
            layoutChanges[source] = measuredEnd.addingTimeInterval(
                -9_000 + at.timeIntervalSince1970.truncatingRemainder(dividingBy: 1_800))
        case .sizeGrowth where growths[source] == nil: growths[source] = measuredFrom
        case .silence, .burst, .newSource, .rateDrop, .layoutChange, .sizeGrowth: break
        case .valueEpisode: objectIncidents[source, default: []] += Array(repeating: (kind, at), count: 4)
        case .replayedBatch: objectIncidents[source, default: []] += Array(repeating: (kind, at), count: 3)
        default: objectIncidents[source, default: []].append((kind, at))
        }
    }
}
