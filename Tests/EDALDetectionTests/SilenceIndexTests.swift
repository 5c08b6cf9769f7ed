import Foundation
import Testing

@testable import EDALDetection

@Suite("Silence deadlines without a walk")
struct SilenceIndexTests {
    @Test("the earliest deadline first; a moved deadline replaces the old one; handled ones set aside until the check")
    func ordering() {
        var index = SilenceIndex()
        index.set("a", due: 100)
        index.set("b", due: 50)
        index.set("c", due: 300)
        #expect(index.next(after: 0) == 50)
        index.set("b", due: 200)
        #expect(index.next(after: 0) == 100)
        // a's deadline passed and another replica checked it: not answered again…
        #expect(index.next(after: 100) == 200)
        // …but the check looks at it again.
        #expect(index.takeDue(through: 250) == ["a", "b"])
        #expect(index.next(after: 0) == 300)
        index.set("c", due: nil)
        #expect(index.next(after: 0) == nil)
        #expect(index.count == 0)
    }

    @Test("many moves keep the heap bounded and the answers those of a walk")
    func againstAWalk() {
        var index = SilenceIndex()
        var truth: [String: Double] = [:]
        var random = SeededRandom(seed: 42)
        for step in 0..<50_000 {
            let id = "s\(random.int(in: 0..<500))"
            let due: Double? = random.unit() < 0.1 ? nil : Double(step) + random.uniform(0, 1_000)
            index.set(id, due: due)
            truth[id] = due
            if step % 997 == 0 {
                let after = Double(step)
                #expect(index.next(after: after) == truth.values.filter { $0 > after }.min())
            }
            if step % 4_999 == 0 {
                let through = Double(step) + 100
                let expected = truth.filter { $0.value <= through }.keys.sorted()
                #expect(index.takeDue(through: through) == expected)
                for id in expected { truth[id] = nil }
            }
        }
    }

    /// A service name of letters: `svcaa`, `svcba`, …
    static func name(_ index: Int) -> String {
        "svc" + String(UnicodeScalar(UInt8(97 + index % 26))) + String(UnicodeScalar(UInt8(97 + index / 26)))
    }

    @Test("a registry finds the source due among many, and the next deadline after one handled elsewhere")
    func registry() {
        var registry = SourceRegistry()
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        // Forty sources every 5 minutes, one every minute.
        for step in 0..<120 {
            for source in 0..<41 {
                let cadence = source == 40 ? 60.0 : 300.0
                guard Double(step) * 60 < 120 * 60, (Double(step) * 60).truncatingRemainder(dividingBy: cadence) == 0
                else { continue }
                let time = start.addingTimeInterval(Double(step) * 60 + Double(source))
                _ = registry.observe(
                    ObjectObservation(
                        bucket: "b", key: "apps/\(Self.name(source))/data/\(step).json", eTag: "e\(step)", size: 1000,
                        lastModified: time))
            }
        }
        let fastDue = registry.nextSilenceDue()
        guard let fastDue else {
            Issue.record("no deadline")
            return
        }
        // The minute source falls due first; handled elsewhere, the next is a five-minute one.
        let next = registry.nextSilenceDue(after: fastDue)
        #expect(next.map { $0 > fastDue } == true)
        #expect(registry.checkSilence(now: fastDue.addingTimeInterval(-1)).isEmpty)
        let silent = registry.checkSilence(now: fastDue)
        #expect(silent.map(\.template) == ["apps/\(Self.name(40))/data/{n}.json"])
    }
}
