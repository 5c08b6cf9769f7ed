import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// The operator page served by a running `edal run`: the test bucket's sources with their states,
/// the signals with their reasons, a silent source marked, and a hostile key escaped.
@Suite(
    "operator page end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct OperatorPageEndToEndTests {
    @Test(
        "the page at / and /api list the bucket's sources, a silent one marked, signals with their reasons; keys are escaped"
    )
    func pageShowsSourcesAndSignals() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-page")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)
        try await fixture.notifyFromTheTest()
        let worker = try fixture.startEdal(
            ["run"],
            [
                "EDAL_VISIBILITY_TIMEOUT": "5", "EDAL_LOG_LEVEL": "info", "EDAL_SWEEP_INTERVAL": "0",
                "EDAL_OPERATOR_ADDRESS": "127.0.0.1:0",
                "EDAL_LEARNING_OBJECTS": "8", "EDAL_SILENCE_CHECK_INTERVAL": "600", "EDAL_SOURCE_SYNC_INTERVAL": "1",
                // Silence after 30 s of quiet at least: under make test the worker can take seconds
                // to receive and judge an object.
                "EDAL_SILENCE_MINIMUM_GAP": "10",
            ])
        defer { worker.kill(SIGKILL) }
        let port = try await FleetTests.listenerPort(worker, "operator page")

        // A VPC-flow-log-like source delivering about every second, then stopping; and one object
        // whose key carries markup (S3 allows it; the page must not run it).
        let hostile = "uploads/<script>alert('x')</script>/\"quoted\" & more.json"
        try await fixture.putAndNotify(hostile, body: Array("{}".utf8), contentType: "application/json")
        let deliveries = try await fixture.deliverEverySecond(12)
        let done = try await fixture.waitUntilDone(deliveries.keys + [hostile])
        // The silence after the last object (the page shows that episode).
        var silent: [Signal] = []
        let deadline = deliveries.silenceFound(by: done, minimumGap: .seconds(10))
        while ContinuousClock.now < deadline {
            silent = try await fixture.sourceEvents().filter { $0.check == "silent_source" }
            if silent.contains(where: { $0.evidence.key == deliveries.keys.last }) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let event = try #require(
            silent.first { $0.evidence.key == deliveries.keys.last },
            "\(silent.count) silent_source signals, none after the last object; \(deliveries.timings(done: done)); worker log: \(worker.collectedErrors.suffix(2000))"
        )
        // The page is rendered at most every 5 s: wait for one that has this silence.
        let reason = try #require(event.reasons.first?.detail)
        var (status, page) = (0, "")
        let rendered = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < rendered {
            (status, page) = try await FleetTests.get(port, "/")
            if page.contains(OperatorPage.escape(reason)) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(status == 200)
        #expect(page.hasPrefix("<!doctype html>"))
        // The sources of the test bucket, the flow-log source marked silent.
        let flowRow = try #require(
            page.split(separator: "\n").first { $0.contains("fl-0a1b2c3d_%Y%m%dT%H%MZ_{id}.log.gz") },
            "\(page.prefix(3000))")
        #expect(flowRow.contains("class=\"state state-silent\">silent<"), "\(flowRow)")
        #expect(flowRow.contains("<svg class=\"chart\""), "a chart of the source's recent sizes")
        #expect(page.contains("<td class=\"check\">silent_source</td>"))
        #expect(page.contains("<td class=\"check\">new_source</td>"))
        // The signal's reasons, as written in the signal (escaped).
        #expect(page.contains(OperatorPage.escape(reason)), "\(reason)")
        // The hostile key appears only escaped.
        #expect(!page.contains("<script>alert"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(page.contains("&quot;quoted&quot; &amp; more.json"))
        // The worker's health and its dependencies.
        #expect(page.contains("id=\"health\""))
        #expect(page.contains("queue: reachable") && page.contains("store: reachable"), "\(page.prefix(4000))")

        // The same data as JSON (the snapshot the page was rendered from).
        let (_, sourcesJSON) = try await FleetTests.get(port, "/api/sources")
        let sources = try #require(try JSONSerialization.jsonObject(with: Data(sourcesJSON.utf8)) as? [[String: Any]])
        let flow = try #require(sources.first { ($0["template"] as? String)?.contains("fl-0a1b2c3d") == true })
        #expect(flow["state"] as? String == "silent")
        #expect((flow["recent"] as? [Any])?.count == deliveries.keys.count)
        let (_, signalsJSON) = try await FleetTests.get(port, "/api/signals")
        let signals = try #require(try JSONSerialization.jsonObject(with: Data(signalsJSON.utf8)) as? [[String: Any]])
        #expect(
            signals.contains {
                $0["check"] as? String == "silent_source" && $0["signalId"] as? String == event.signalId
            })
        #expect(signals.contains { ($0["key"] as? String) == hostile }, "JSON carries the key as it is")
        let (_, healthJSON) = try await FleetTests.get(port, "/api/health")
        #expect(healthJSON.contains("\"messagesDeleted\""))
        #expect(
            healthJSON.contains("\"lastMessageAgeSeconds\""), "the queue's age, as the last message received had waited"
        )
        #expect(page.contains("age at receipt (last message)"))

        // Rendered by headless Chromium (installed by infra/install-deps.sh): the DOM after load, and
        // a screenshot kept with the test output (.test-output/operator-page.png).
        let chromium = "/usr/bin/chromium"
        try #require(
            FileManager.default.isExecutableFile(atPath: chromium),
            "chromium is missing: infra/install-deps.sh installs it")
        let output = Repository.root.appendingPathComponent(".test-output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal-chromium-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: profile) }
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000",
        ]
        let url = "http://127.0.0.1:\(port)/"
        let dom = try await HelperProcess.run(chromium, flags + ["--dump-dom", url])
        #expect(dom.contains("<table id=\"sources\">") && dom.contains("<table id=\"signals\">"), "\(dom.prefix(2000))")
        let renderedRow = try #require(
            dom.components(separatedBy: "<tr ").first { $0.contains("fl-0a1b2c3d_%Y%m%dT%H%MZ_{id}.log.gz") })
        #expect(renderedRow.contains("state-silent"), "\(renderedRow)")
        // A serialised DOM escapes only &, < and > in text.
        let reasonInDOM = reason.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;"
        )
        .replacingOccurrences(of: ">", with: "&gt;")
        #expect(dom.contains("silent_source") && dom.contains(reasonInDOM), "\(reason)")
        #expect(!dom.contains("<script>alert"), "the hostile key was never parsed as markup")
        #expect(dom.contains("&lt;script&gt;alert("))
        let screenshot = output.appendingPathComponent("operator-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        _ = try await HelperProcess.run(
            chromium, flags + ["--window-size=1280,1600", "--screenshot=\(screenshot.path)", url])
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        #expect(size > 10_000, "no screenshot at \(screenshot.path)")
        print("operator page: rendered by Chromium, screenshot at \(screenshot.path) (\(size) bytes)")
        worker.kill(SIGTERM)
        _ = await worker.wait()
    }
}
