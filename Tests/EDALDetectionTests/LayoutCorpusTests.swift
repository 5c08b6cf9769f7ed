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
    static func feed(_ producer: CorpusProducer, count: Int, into registry: inout SourceRegistry, bucket: String = "corpus",
                     seed: UInt64 = 7) -> [SourceEvent] {
        var random = CorpusRandom(seed: seed)
        var events: [SourceEvent] = []
        for index in 0..<count {
            let time = start.addingTimeInterval(Double(index) * producer.cadence)
            let key = producer.key(index, time, &random)
            let observation = ObjectObservation(bucket: bucket, key: key, eTag: "e\(index)", size: 1000 + Int64(index % 7) * 10,
                                                lastModified: time.addingTimeInterval(5))
            events += registry.observe(observation).events
        }
        return events
    }

    @Test("one producer of the corpus becomes at most two sources and at most two announcements", arguments: LayoutCorpus.producers)
    func producer(_ producer: CorpusProducer) {
        var registry = SourceRegistry()
        let events = Self.feed(producer, count: 200, into: &registry)
        let templates = registry.baselines.filter { $0.objectCount > 0 }.map(\.template)
        let announced = events.filter { $0.finding.check == .newSource || $0.finding.check == .sourceStorm }
        #expect(templates.count <= producer.maximumSources, "\(producer.name): \(templates.count) sources: \(templates.prefix(8))")
        #expect(announced.count <= producer.maximumSources, "\(producer.name): \(announced.map { "\($0.finding.check.rawValue) \($0.template)" }.prefix(8))")
    }
}

extension LayoutCorpusTests {
    /// A bucket of files people named (`u/report-final.pdf`, `u/Budget 2025 final.xlsx`, …), one every
    /// `spacing` seconds: what the registry holds and announces after `count` of them.
    static func userNamed(count: Int, bound: Int, spacing: Double = 0.5) -> (sources: Int, announced: Int, storms: Int, shapes: Int) {
        var registry = SourceRegistry()
        registry.maximumSourcesPerBucket = bound
        var announced = 0, storms = 0
        for (index, key) in UserNamedFiles.keys(count: count).enumerated() {
            let observation = ObjectObservation(bucket: "files", key: key, eTag: "e\(index)", size: 20_000 + Int64(index % 13) * 1000,
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
