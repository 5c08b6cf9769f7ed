import EDALDetection
import EDALTools
import Foundation
import Testing

/// Producers `KnownLayouts` does not list (`LayoutCorpus`): each must become at most two sources
/// and announce itself at most twice, however its keys vary.
@Suite("Sources on layouts nobody listed")
struct LayoutCorpusTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// Feeds `count` objects of `producer` into `registry` in time order; answers the new-source and storm events.
    static func feed(
        _ producer: CorpusProducer, count: Int, into registry: inout SourceRegistry, bucket: String = "corpus",
        seed: UInt64 = 7
    ) -> [SourceEvent] {
        var random = CorpusRandom(seed: seed)
        var events: [SourceEvent] = []
        for index in 0..<count {
            let time = start.addingTimeInterval(Double(index) * producer.cadence)
            let key = producer.key(index, time, &random)
            let observation = ObjectObservation(
                bucket: bucket, key: key, eTag: "e\(index)", size: 1000 + Int64(index % 7) * 10,
                lastModified: time.addingTimeInterval(5))
            events += registry.observe(observation).events
        }
        return events
    }

    @Test(
        "one producer of the corpus becomes at most two sources and at most two announcements",
        arguments: LayoutCorpus.producers)
    func producer(_ producer: CorpusProducer) {
        var registry = SourceRegistry()
        let events = Self.feed(producer, count: 200, into: &registry)
        let templates = registry.baselines.filter { $0.objectCount > 0 }.map(\.template)
        let announced = events.filter { $0.finding.check == .newSource || $0.finding.check == .sourceStorm }
        #expect(
            templates.count <= producer.maximumSources,
            "\(producer.name): \(templates.count) sources: \(templates.prefix(8))")
        #expect(
            announced.count <= producer.maximumSources,
            "\(producer.name): \(announced.map { "\($0.finding.check.rawValue) \($0.template)" }.prefix(8))")
    }
}

extension LayoutCorpusTests {
    /// A bucket of files people named (`u/report-final.pdf`, `u/Budget 2025 final.xlsx`, …), one every
    /// `spacing` seconds: what the registry holds and announces after `count` of them.
    static func userNamed(count: Int, bound: Int, spacing: Double = 0.5) -> (
        sources: Int, announced: Int, storms: Int, shapes: Int
    ) {
        var registry = SourceRegistry()
        registry.maximumSourcesPerBucket = bound
        var announced = 0
        var storms = 0
        for (index, key) in UserNamedFiles.keys(count: count).enumerated() {
            let observation = ObjectObservation(
                bucket: "files", key: key, eTag: "e\(index)", size: 20_000 + Int64(index % 13) * 1000,
                lastModified: start.addingTimeInterval(Double(index) * spacing))
            for event in registry.observe(observation).events {
                if event.finding.check == .newSource { announced += 1 }
                if event.finding.check == .sourceStorm { storms += 1 }
            }
        }
        return (registry.baselines.count, announced, storms, registry.learner.shapeCount)
    }

    @Test("files people named: sources and announcements stay under the bound, the learner's shapes bounded")
    func userNamedFiles() {
        let result = Self.userNamed(count: 20_000, bound: 300)
        #expect(result.sources <= 301, "\(result)")
        #expect(result.announced + result.storms <= 301, "\(result)")
        #expect(result.shapes <= LayoutLearner.Configuration().maximumShapes)
        // Far fewer than one per file: the learner merged what the bound did not.
        #expect(result.sources < 300, "\(result)")
    }
}

/// What a fresh-eyes review found: sources made before a layout was learnt here, batch producers,
/// an ended episode brought back by a replica.
@Suite("Learnt layouts across restarts and replicas")
struct LearntLayoutHandOverTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    static func object(_ index: Int, hour: Int, size: Int64 = 10_000) -> ObjectObservation {
        ObjectObservation(
            bucket: "b", key: String(format: "logs/app/20261125%02d_%d.gz", hour % 24, index),
            eTag: "e\(hour)-\(index)",
            size: size, lastModified: start.addingTimeInterval(Double(hour) * 3600 + Double(index) * 60))
    }

    @Test(
        "sources of raw templates read from the store join the learnt source when their objects arrive: no stranded source"
    )
    func rawSourcesFromTheStoreAreFolded() throws {
        // Another replica (or this one before a restart) made one source per index.
        var before = SourceRegistry()
        before.learner.configuration.numberVariants = 1_000
        for hour in 0..<30 { for index in 0..<3 { _ = before.observe(Self.object(index, hour: hour)) } }
        let stored = before.baselines
        #expect(stored.count == 3)
        var after = SourceRegistry()
        for baseline in stored { after.absorb(baseline) }
        for hour in 30..<32 { for index in 0..<3 { _ = after.observe(Self.object(index, hour: hour)) } }
        let templates = after.baselines.map(\.template)
        #expect(templates == ["logs/app/%Y%m%d%H_{n}.gz"], "\(templates)")
        #expect(after.baselines.first?.objectCount == 96)
        // Nothing is left to fall silent.
        #expect(after.checkSilence(now: Self.start.addingTimeInterval(40 * 3600)).count <= 1)
    }

    @Test("a producer writing twenty objects at once every hour raises no rate_drop")
    func batchProducer() {
        var registry = SourceRegistry()
        var drops = 0
        for hour in 0..<72 {
            for index in 0..<20 {
                var object = Self.object(index, hour: hour)
                object.key = String(format: "batch/data/20261125%02d-part-%02d.csv", hour % 24, index)
                object.lastModified = Self.start.addingTimeInterval(Double(hour) * 3600 + Double(index))
                drops += registry.observe(object).events.filter { $0.finding.check == .rateDrop }.count
            }
        }
        #expect(drops == 0)
    }

    @Test("an episode that ended is not brought back by a replica that saw only its start")
    func endedEpisodeStaysEnded() throws {
        var registry = SourceRegistry()
        for index in 0..<40 { _ = registry.observe(SourceRegistryTests.object(index * 5)) }
        var early: SourceBaseline?
        for index in 40..<52 {
            _ = registry.observe(SourceRegistryTests.object(index * 5, contentType: "text/html"))
            if index == 42 { early = registry.baselines.first }
        }
        var stale = try #require(early)
        stale.version = 99
        registry.absorb(stale)
        let verdict = registry.observe(SourceRegistryTests.object(52 * 5, contentType: "text/html"))
        #expect(!verdict.findings.contains { $0.check == .drift }, "\(verdict.findings)")
    }
}
