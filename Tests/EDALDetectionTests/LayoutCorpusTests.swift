import EDALDetection
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
