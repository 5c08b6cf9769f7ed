import Foundation
import Testing

@testable import EDALDetection

/// Source events no sink took, kept with the baseline: they travel with it through the store to
/// another replica, and one replica's publication is not undone by another's older copy.
@Suite("unpublished source events")
struct UnpublishedEventTests {
    @Test("kept here, saved, read by another replica; published there, and not brought back by an older copy")
    func keptAcrossReplicas() throws {
        var first = SourceRegistry()
        let id = try #require(first.observe(SourceRegistryTests.object(0)).events.first?.sourceId)
        let keptKnown = first.keepUnpublished("s-1", payload: "{\"silent\":1}", of: id)
        let keptUnknown = first.keepUnpublished("s-2", payload: "{}", of: "no/such/source")
        #expect(keptKnown && !keptUnknown)
        let saved = try #require(first.dirtyBaselines().first { $0.id == id })
        #expect(saved.unpublishedEvents == ["s-1": "{\"silent\":1}"])
        var stored = saved
        stored.version = 1
        first.markSaved(saved, version: 1)

        // Another replica reads the stored copy: it holds the event too.
        var second = SourceRegistry()
        second.absorb(stored)
        #expect(second.unpublishedEvents().map(\.id) == ["s-1"])
        // It publishes it; the older stored copy, read again, does not bring it back.
        second.published("s-1", of: id)
        second.absorb(stored)
        #expect(second.unpublishedEvents().isEmpty)
        let republished = try #require(second.dirtyBaselines().first { $0.id == id })
        #expect(republished.unpublishedEvents == nil)
        var newer = republished
        newer.version = 2
        second.markSaved(republished, version: 2)

        // The first replica reads that newer copy: the event is gone there too.
        first.absorb(newer)
        #expect(first.unpublishedEvents().isEmpty)
        // One it kept after its save survives reading the store's copy.
        let keptLater = first.keepUnpublished("s-3", payload: "{}", of: id)
        #expect(keptLater)
        first.absorb(newer)
        #expect(first.unpublishedEvents().map(\.id) == ["s-3"])
    }

    @Test("at most 32 kept per source; the oldest ids give way")
    func bounded() throws {
        var registry = SourceRegistry()
        let id = try #require(registry.observe(SourceRegistryTests.object(0)).events.first?.sourceId)
        for index in 0..<40 { registry.keepUnpublished(String(format: "e-%02d", index), payload: "{}", of: id) }
        let kept = registry.unpublishedEvents().map(\.id)
        #expect(kept.count == SourceBaseline.unpublishedCapacity && kept.first == "e-08")
    }
}
