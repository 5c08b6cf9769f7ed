import EDALDetection
import EDALState
import Foundation

/// Measures detection on a `ProducerScenario`: feeds every object through a `SourceRegistry` in
/// LastModified order with a silence check every `checkInterval` of simulated time, then matches
/// what it signalled in the measured day against the injected incidents.
public struct SourceEvaluation: Sendable {
    public struct KindResult: Sendable, Equatable {
        public var kind: IncidentKind
        public var incidents: Int
        public var detected: Int
        /// Signals that matched no incident and that this kind's checks raise: a false signal of a
        /// check several kinds share (`isolation_score`, `metadata_value`) counts against each of them.
        public var falseSignals: Int
        /// Mean seconds from the incident's start to its signal, for those detected.
        public var meanTimeToDetect: Double?
        /// For silences: seconds from the last delivery to the signal, in the source's cadences.
        public var meanCadencesToDetect: Double?
        /// The slowest of those, in the source's cadences.
        public var maxCadencesToDetect: Double?

        public init(
            kind: IncidentKind, incidents: Int, detected: Int, falseSignals: Int, meanTimeToDetect: Double? = nil,
            meanCadencesToDetect: Double? = nil, maxCadencesToDetect: Double? = nil
        ) {
            self.kind = kind
            self.incidents = incidents
            self.detected = detected
            self.falseSignals = falseSignals
            self.meanTimeToDetect = meanTimeToDetect
            self.meanCadencesToDetect = meanCadencesToDetect
            self.maxCadencesToDetect = maxCadencesToDetect
        }

        public var recall: Double { incidents == 0 ? 1 : Double(detected) / Double(incidents) }
        public var precision: Double {
            detected + falseSignals == 0 ? 1 : Double(detected) / Double(detected + falseSignals)
        }
    }

    public struct Report: Sendable {
        public var profile: ProducerProfile
        public var objects: Int
        public var sources: Int
        public var kinds: [KindResult]
        /// Signals in the measured day that matched no incident, by check.
        public var falseSignalsByCheck: [SourceCheck: Int]
        /// Resumed signals per silence incident (1 is right).
        public var resumedPerSilence: Double?
        public var totalSignals: Int
        public var falseSignals: Int
        /// False signals no single incident type explains (`isolation_score`, `metadata_value`,
        /// `rule`, and drift on an attribute no incident changes).
        public var unattributedFalseSignals: Int
        /// False signals on each day of the measured period, in order.
        public var falseSignalsByDay: [Int] = []
        /// False silence, rate-drop and burst signals on Saturdays, Sundays and the Mondays after
        /// (UTC): what a weekly rhythm not learnt would raise.
        public var falseAroundWeekends: Int = 0
        /// Source-days of the measured day (sources × days).
        public var sourceDays: Double
        /// Detection cost per object in this process (templating, checks, learning).
        public var secondsPerObject: Double
    }

    public var scenario: ProducerScenario
    public var registry: SourceRegistry
    public var checkInterval: TimeInterval

    public init(
        scenario: ProducerScenario, registry: SourceRegistry = SourceRegistry(), checkInterval: TimeInterval = 60
    ) {
        self.scenario = scenario
        self.registry = registry
        self.checkInterval = checkInterval
    }

    struct Raised {
        var time: Date
        var check: SourceCheck
        var field: String?
        var sourceId: String
        var key: String?
        var detail = ""
    }

    public func run() -> Report {
        let (objects, incidents) = scenario.generate()
        var registry = self.registry
        var raised: [Raised] = []
        var nextCheck = scenario.start.addingTimeInterval(checkInterval)
        let clock = ContinuousClock()
        var detection: Duration = .zero
        // The ground-truth source of each key, and EDAL's source id of each ground-truth source.
        // (After a layout change one producer's source has two ids: both are its.)
        var sourceIds: [String: Set<String>] = [:]
        // Checks run as `edal run` runs them: every `checkInterval`, and when a source's silence falls due.
        var handledDeadline = Date.distantPast
        func check(until time: Date) {
            while true {
                let deadline = registry.nextSilenceDue(after: handledDeadline).flatMap { $0 <= nextCheck ? $0 : nil }
                let at = deadline ?? nextCheck
                guard at <= time else { return }
                for event in registry.checkSilence(now: at) {
                    raised.append(
                        Raised(
                            time: at, check: event.finding.check, sourceId: event.sourceId, key: event.lastObject?.key,
                            detail: event.finding.detail))
                }
                if let deadline {
                    handledDeadline = deadline
                } else {
                    nextCheck = nextCheck.addingTimeInterval(checkInterval)
                }
            }
        }
        for object in objects {
            check(until: object.observation.lastModified)
            let started = clock.now
            let verdict = registry.observe(object.observation)
            detection += clock.now - started
            sourceIds[object.sourceName, default: []].insert(verdict.sourceId)
            for event in verdict.events {
                raised.append(
                    Raised(
                        time: object.observation.lastModified, check: event.finding.check, sourceId: event.sourceId,
                        key: object.observation.key, detail: event.finding.detail))
            }
            for finding in verdict.findings {
                raised.append(
                    Raised(
                        time: object.observation.lastModified, check: finding.check, field: finding.field,
                        sourceId: verdict.sourceId, key: object.observation.key, detail: finding.detail))
            }
        }
        check(until: scenario.end)
        let measured = raised.filter { $0.time >= scenario.measuredFrom }
        return score(
            measured, objects: objects, incidents: incidents, sourceIds: sourceIds,
            secondsPerObject: detection.seconds / Double(max(1, objects.count)), sources: registry.baselines.count)
    }

    private func score(
        _ raised: [Raised], objects: [SimulatedObject], incidents: [Incident], sourceIds: [String: Set<String>],
        secondsPerObject: Double, sources: Int
    ) -> Report {
        // Object-level signals group by key: one signal per object, however many checks fired.
        var matched = Set<Int>()
        var byKind: [IncidentKind: (detected: Int, times: [Double], cadences: [Double])] = [:]
        let incidentKeys = Dictionary(
            incidents.enumerated().compactMap { index, incident in
                incident.kind.isSourceLevel ? nil : incident.key.map { ($0, index) }
            }, uniquingKeysWith: { first, _ in first })
        var resumed = 0
        for (index, incident) in incidents.enumerated() {
            let ids = sourceIds[incident.sourceId] ?? []
            var hit: Raised?
            switch incident.kind {
            case .silence:
                hit = raised.first {
                    $0.check == .silentSource && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end
                }
                // From the start: another incident of the source (a burst's extra objects) can end
                // the silence early.
                let resumptions = raised.filter {
                    $0.check == .resumed && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end.addingTimeInterval(3600)
                }.count
                resumed += resumptions
                if resumptions != 1, ProcessInfo.processInfo.environment["EDAL_EVALUATE_DEBUG"] != nil {
                    let around = raised.filter {
                        ids.contains($0.sourceId) && $0.time >= incident.start.addingTimeInterval(-3600)
                            && $0.time <= incident.end.addingTimeInterval(7200)
                    }
                    print(
                        "silence \(incident.sourceId) \(incident.start)–\(incident.end): \(resumptions) resumptions; around it: \(around.map { "\($0.check.rawValue) \($0.time)" })"
                    )
                }
            case .burst:
                hit = raised.first {
                    $0.check == .burst && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end.addingTimeInterval(3600)
                }
            case .newSource:
                hit = raised.first { $0.check == .newSource && ids.contains($0.sourceId) }
            case .layoutChange:
                hit = raised.first {
                    $0.check == .layoutChanged && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end
                }
            case .sizeGrowth:
                hit = raised.first {
                    $0.check == .sizeTrend && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end
                }
            case .rateDrop:
                hit = raised.first {
                    $0.check == .rateDrop && ids.contains($0.sourceId) && $0.time >= incident.start
                        && $0.time <= incident.end.addingTimeInterval(3600)
                }
            default:
                hit = raised.first { $0.key == incident.key && incident.kind.findingChecks.contains($0.check) }
            }
            guard let hit else {
                if ProcessInfo.processInfo.environment["EDAL_EVALUATE_DEBUG"] != nil {
                    print(
                        "missed \(incident.kind.rawValue) \(incident.sourceId) \(incident.key ?? "-") at \(incident.start); raised on it: \(raised.filter { $0.key == incident.key }.map { "\($0.check.rawValue) \($0.field ?? "")" }) \(objects.first { $0.observation.key == incident.key }.map { "\($0.observation.size) \($0.observation.metadata.sorted { $0.key < $1.key })" } ?? "")"
                    )
                }
                continue
            }
            matched.insert(index)
            var entry = byKind[incident.kind] ?? (0, [], [])
            entry.detected += 1
            entry.times.append(hit.time.timeIntervalSince(incident.start))
            if incident.kind == .silence {
                // From the last delivery before the silence, in the source's cadences.
                let last = objects.last {
                    $0.sourceName == incident.sourceId && $0.observation.lastModified < incident.start
                }
                let cadence = scenario.profile.source(0, seed: scenario.seed).cadence
                if let last {
                    entry.cadences.append(hit.time.timeIntervalSince(last.observation.lastModified) / cadence)
                }
            }
            byKind[incident.kind] = entry
        }

        // Every signal in the measured day: an object signal per key, a source event per event.
        var falseByCheck: [SourceCheck: Int] = [:]
        var falseByKind: [IncidentKind: Int] = [:]
        var unattributed = 0
        let injected = Set(scenario.incidentKinds)
        var byDay = [Int](repeating: 0, count: max(1, Int((scenario.day / 86_400).rounded(.up))))
        var aroundWeekends = 0
        func countFalse(_ signal: Raised) {
            falseByCheck[signal.check, default: 0] += 1
            byDay[min(byDay.count - 1, max(0, Int(signal.time.timeIntervalSince(scenario.measuredFrom) / 86_400)))] += 1
            let weekday = ProducerScenario.weekday(signal.time)
            if weekday >= 6 || weekday == 1, [.silentSource, .rateDrop, .burst].contains(signal.check) {
                aroundWeekends += 1
            }
            if let kind = Self.kind(of: signal) {
                falseByKind[kind, default: 0] += 1
                return
            }
            unattributed += 1
            for kind in IncidentKind.allCases where injected.contains(kind) && kind.findingChecks.contains(signal.check)
            {
                falseByKind[kind, default: 0] += 1
            }
        }
        var total = 0
        var seenKeys = Set<String>()
        let silenceSources = Set(incidents.filter { $0.kind == .silence }.flatMap { sourceIds[$0.sourceId] ?? [] })
        for signal in raised {
            if signal.check.isSourceEvent {
                total += 1
                let isTrue: Bool
                switch signal.check {
                case .silentSource:
                    isTrue = incidents.contains {
                        $0.kind == .silence && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                            && signal.time >= $0.start && signal.time <= $0.end
                    }
                case .resumed: isTrue = silenceSources.contains(signal.sourceId)
                case .burst:
                    isTrue = incidents.contains {
                        $0.kind == .burst && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                    }
                case .layoutChanged:
                    isTrue = incidents.contains {
                        $0.kind == .layoutChange && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                    }
                case .sizeTrend:
                    isTrue = incidents.contains {
                        $0.kind == .sizeGrowth && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                    }
                case .rateDrop:
                    isTrue = incidents.contains {
                        $0.kind == .rateDrop && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                            && signal.time >= $0.start && signal.time <= $0.end.addingTimeInterval(3600)
                    }
                case .newSource:
                    isTrue = incidents.contains {
                        $0.kind == .newSource && sourceIds[$0.sourceId]?.contains(signal.sourceId) == true
                    }
                default: isTrue = false
                }
                if !isTrue {
                    if ProcessInfo.processInfo.environment["EDAL_EVALUATE_DEBUG"] != nil {
                        print(
                            "false \(signal.check.rawValue) \(signal.sourceId) at \(signal.time) seed \(scenario.seed): \(signal.detail)"
                        )
                    }
                    countFalse(signal)
                }
                continue
            }
            guard let key = signal.key, seenKeys.insert(key).inserted else { continue }
            total += 1
            if incidentKeys[key] == nil {
                if ProcessInfo.processInfo.environment["EDAL_EVALUATE_DEBUG"] != nil {
                    print(
                        "false \(signal.check.rawValue) \(signal.field ?? "") \(key) seed \(scenario.seed): \(signal.detail)"
                    )
                }
                countFalse(signal)
            }
        }
        let kinds = scenario.incidentKinds.map { kind -> KindResult in
            let entry = byKind[kind] ?? (0, [], [])
            return KindResult(
                kind: kind, incidents: incidents.filter { $0.kind == kind }.count, detected: entry.detected,
                falseSignals: falseByKind[kind] ?? 0,
                meanTimeToDetect: entry.times.isEmpty ? nil : entry.times.reduce(0, +) / Double(entry.times.count),
                meanCadencesToDetect: entry.cadences.isEmpty
                    ? nil : entry.cadences.reduce(0, +) / Double(entry.cadences.count),
                maxCadencesToDetect: entry.cadences.max())
        }
        let silences = incidents.filter { $0.kind == .silence }.count
        return Report(
            profile: scenario.profile, objects: objects.count, sources: sources, kinds: kinds,
            falseSignalsByCheck: falseByCheck,
            resumedPerSilence: silences == 0 ? nil : Double(resumed) / Double(silences), totalSignals: total,
            falseSignals: falseByCheck.values.reduce(0, +), unattributedFalseSignals: unattributed,
            falseSignalsByDay: byDay, falseAroundWeekends: aroundWeekends,
            sourceDays: Double(scenario.sources) * scenario.day / 86_400, secondsPerObject: secondsPerObject)
    }

    /// The incident kind a false signal counts against.
    static func kind(of signal: Raised) -> IncidentKind? {
        switch signal.check {
        case .silentSource, .resumed: return .silence
        case .burst: return .burst
        case .newSource, .sourceStorm: return .newSource
        case .rateDrop: return .rateDrop
        case .layoutChanged: return .layoutChange
        case .sizeTrend: return .sizeGrowth
        case .lateDelivery: return .lateDelivery
        case .clockAhead: return .clockAhead
        case .replayed: return .replayedBatch
        case .sizeBlowUp: return .sizeBlowUp
        case .nearEmpty: return .nearEmpty
        case .drift:
            switch signal.field {
            case "encryption", "kms_key": return .encryptionDrift
            case "writer", "source_network": return .newWriter
            case "content_type": return .contentTypeChange
            default: return nil
            }
        case .newField: return .unseenSeverity
        case .isolationScore, .metadataValue, .rule: return nil
        }
    }
}
