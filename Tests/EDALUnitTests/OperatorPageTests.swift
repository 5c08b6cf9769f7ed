import Foundation
import Testing

@testable import EDALWorker

@Suite struct OperatorPageTests {
    static func source(_ template: String, state: String = "normal", recent: [Int64] = [1_000, 1_100, 50_000, 900])
        -> SourceSummary
    {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        return SourceSummary(
            id: "b/\(template)", bucket: "b", template: template, producer: nil, state: state, silentSince: nil,
            objects: Int64(recent.count),
            cadenceSeconds: 300, medianSize: 1_050, medianLagSeconds: nil, lastObjectKey: "k<1>", lastObjectAt: start,
            recent: recent.enumerated().map {
                .init(at: start.addingTimeInterval(Double($0.offset) * 300), size: $0.element)
            },
            anomalies: [start.addingTimeInterval(600)])
    }

    @Test("text from keys, templates and reasons is escaped everywhere it appears")
    func escaping() {
        #expect(OperatorPage.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        var snapshot = OperatorSnapshot(
            generatedAt: Date(), replica: "r<1>", baselines: [], signals: [], counts: WorkerCounts(),
            levels: .init(), dependencies: [.init(name: "store", problem: "<down>")])
        snapshot.sources = [Self.source("<img src=x onerror=alert(1)>/%Y")]
        snapshot.signals = [
            .init(
                signalId: "1", emittedAt: Date(), check: "size_blow_up", anomalous: true, sourceId: "b/<img>",
                template: "<img>", reasons: ["50 KiB is <b>40×</b>"], bucket: "b", key: "x\"><script>", eTag: "e",
                versionId: nil, lastModified: nil)
        ]
        let html = OperatorPage.html(snapshot)
        for raw in ["<img src=x", "<b>40", "\"><script>", "<down>", "r<1>", "k<1>"] {
            #expect(!html.contains(raw), "\(raw) left unescaped")
        }
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;/%Y"))
        #expect(html.contains("50 KiB is &lt;b&gt;40×&lt;/b&gt;"))
        #expect(html.contains("store: &lt;down&gt;"))
    }

    @Test("a source's chart marks the objects signalled, and only those")
    func chartMarksAnomalies() {
        let chart = OperatorPage.chart(Self.source("t"))
        #expect(chart.hasPrefix("<svg"))
        #expect(chart.components(separatedBy: "class=\"anomaly\"").count - 1 == 1)
        #expect(OperatorPage.chart(Self.source("t", recent: [5])).contains("–"), "one point is no chart")
    }
}
