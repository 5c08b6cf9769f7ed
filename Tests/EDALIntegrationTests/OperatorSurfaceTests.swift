import AsyncHTTPClient
import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// The worker's two listeners against a running `edal run`: what a flood of clients can and cannot
/// do to it, what `/healthz` means, and who may read the operator page.
@Suite(
    "operator surface", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct OperatorSurfaceTests {
    static let environment = [
        "EDAL_MODE": "continuous", "EDAL_LOG_LEVEL": "info", "EDAL_SWEEP_INTERVAL": "0",
        "EDAL_OPERATOR_ADDRESS": "127.0.0.1:0",
    ]

    /// The sum of a counter's samples whose labels contain `label` (all of them when empty).
    static func counter(_ name: String, label: String = "", port: Int) async throws -> Double {
        let (_, page) = try await FleetTests.get(port, "/metrics")
        return page.split(separator: "\n").filter { $0.hasPrefix(name) && (label.isEmpty || $0.contains(label)) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// Seconds until the worker has deleted `target` messages in all.
    static func secondsUntilDeleted(
        _ target: Double, port: Int, from start: ContinuousClock.Instant, worker: HelperProcess.Running
    ) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(240)
        var deleted = 0.0
        while ContinuousClock.now < deadline {
            // A scrape cut off at the connection limit (during the flood) is asked again.
            deleted = (try? await counter("edal_sqs_messages_deleted_total", port: port)) ?? deleted
            if deleted >= target { return (ContinuousClock.now - start).seconds }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record(
            "the worker deleted \(Int(deleted)) messages, never \(Int(target)): \(worker.collectedErrors.suffix(3000))")
        return .infinity
    }

    /// What the worker's metrics say of its work so far: messages done, the summed receipt-to-done
    /// seconds, and the process's CPU seconds.
    static func workFigures(port: Int) async throws -> (
        messages: Double, processingSeconds: Double, cpuSeconds: Double, millisecondsPerMessage: Double
    ) {
        let messages = try await counter("edal_sqs_message_processing_seconds_count", port: port)
        let seconds = try await counter("edal_sqs_message_processing_seconds_sum", port: port)
        let cpu = try await counter("process_cpu_seconds_total", port: port)
        return (messages, seconds, cpu, seconds / max(1, messages) * 1_000)
    }

    @Test(
        "1,000 concurrent /readyz and page requests plus 10,000 idle sockets: dependency calls stay bounded, idle sockets are closed, the worker goes on"
    )
    func flood() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-flood")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 30)
        let worker = try fixture.startEdal(["run"], Self.environment)
        defer { worker.kill(SIGKILL) }
        let metrics = try await FleetTests.metricsPort(worker)
        let page = try await FleetTests.listenerPort(worker, "operator page")
        _ = try await FleetTests.readiness(metrics, becomes: 200, within: .seconds(60))
        // Deletes are counted from here.
        try await Task.sleep(for: .seconds(1))
        let baseline = try await Self.counter("edal_sqs_messages_deleted_total", port: metrics)

        // Throughput with a backlog: the worker is stopped (SIGSTOP) while `objects` notifications
        // queue up, then timed from SIGCONT until it has deleted them all. First without the flood.
        let objects = 400
        func drainBacklog(seed: Int, deletedBefore: Double) async throws -> Double {
            kill(worker.pid, SIGSTOP)
            _ = try await fixture.generate(objects, seed: seed, firstIndex: seed * objects)
            try await fixture.waitForNotifications(objects)
            let resumed = ContinuousClock.now
            kill(worker.pid, SIGCONT)
            return try await Self.secondsUntilDeleted(
                deletedBefore + Double(objects), port: metrics, from: resumed, worker: worker)
        }
        let quietSeconds = try await drainBacklog(seed: 1, deletedBefore: baseline)
        let quietFigures = try await Self.workFigures(port: metrics)

        // With it: 10,000 idle sockets opened, then 1,000 requests kept in flight for 45 s (the
        // flood runs at a lower priority, so it takes less of the CPU the worker and LocalStack need).
        let describeBefore = try await Self.counter(
            "edal_aws_requests_total", label: "kinesis.DescribeStreamSummary", port: metrics)
        let attributesBefore = try await Self.counter(
            "edal_aws_requests_total", label: "sqs.GetQueueAttributes", port: metrics)
        let env = ProcessInfo.processInfo.environment
        let python = try #require(env["EDAL_TEST_PYTHON"])
        let script = URL(fileURLWithPath: try #require(env["EDAL_TEST_MONGO_FIXTURE_SCRIPT"]))
            .deletingLastPathComponent().appendingPathComponent("listener_flood.py").path
        let floodStarted = ContinuousClock.now
        let flood = try HelperProcess.start(
            "/usr/bin/nice",
            [
                "-n", "10", python, script, "--port", String(metrics), "--path", "/readyz", "--port", String(page),
                "--path", "/", "--idle", "10000", "--requests", "1000", "--duration", "45", "--wait-closed", "180",
            ])
        // Opening 10,000 sockets takes seconds alone and minutes beside the rest of the suite.
        let opening = ContinuousClock.now + .seconds(200)
        while !flood.outputSoFar.contains("flooding"), ContinuousClock.now < opening {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(flood.outputSoFar.contains("flooding"), "the flood never opened its idle sockets")
        let deletedBeforeFlood = try await Self.counter("edal_sqs_messages_deleted_total", port: metrics)
        let floodSeconds = try await drainBacklog(seed: 2, deletedBefore: deletedBeforeFlood)
        let requestsStillGoing = !flood.outputSoFar.contains("{")
        let floodFigures = try await Self.workFigures(port: metrics)
        // The worker closes idle sockets only once it runs again after the backlog's upload.
        let outcome = await flood.wait(limit: .seconds(300))
        let floodEnded = ContinuousClock.now
        let report = try #require(
            try JSONSerialization.jsonObject(
                with: Data((outcome.output.split(separator: "\n").last.map(String.init) ?? "").utf8)) as? [String: Any],
            "flood: \(outcome.output) \(outcome.errors.suffix(2000))")
        let describe =
            try await Self.counter("edal_aws_requests_total", label: "kinesis.DescribeStreamSummary", port: metrics)
            - describeBefore
        let attributes =
            try await Self.counter("edal_aws_requests_total", label: "sqs.GetQueueAttributes", port: metrics)
            - attributesBefore
        let floodLength = (floodEnded - floodStarted).seconds
        print(
            """
            flood: \(report) (requests still arriving when the objects were done: \(requestsStillGoing))
            flood: \(Int(describe)) DescribeStreamSummary and \(Int(attributes)) GetQueueAttributes calls in \(String(format: "%.0f", floodLength)) s
            flood: worker CPU while the flood ran: \(String(format: "%.1f", floodFigures.cpuSeconds - quietFigures.cpuSeconds)) s (listeners included)
            flood: a backlog of \(objects) objects drained in \(String(format: "%.1f", quietSeconds)) s without the flood (\(String(format: "%.1f", Double(objects) / quietSeconds)) obj/s), \(String(format: "%.1f", floodSeconds)) s with it (\(String(format: "%.1f", Double(objects) / floodSeconds)) obj/s): \(String(format: "%+.0f", (floodSeconds / quietSeconds - 1) * 100)) %
            """)

        // The readiness checks (one DescribeStreamSummary each) ran at most once per 5 s.
        #expect(describe <= floodLength / 5 + 2, "\(describe) stream checks in \(floodLength) s")
        // Queue checks: one per readiness check, plus the depth watcher's two every 15 s.
        #expect(attributes <= floodLength / 5 + 2 * (floodLength / 15) + 4, "\(attributes) queue checks")
        // The idle sockets were closed by the worker (evicted, or at the 15 s idle timeout). Not all
        // of them: a connection the kernel completed while the listener's accept queue was full,
        // then dropped, looks open to the client but never reached the worker.
        let opened = report["idle_opened"] as? Int ?? 0
        #expect(opened > 9_000, "\(report)")
        let closed = report["idle_closed_by_worker"] as? Int ?? 0
        #expect(Double(closed) >= 0.98 * Double(opened), "\(report)")
        // Requests were answered 200 or cut off, never refused with an error. (Those cut off met
        // the worker stopped for the backlog measurement and gave up after 30 s: how many depends
        // on how long the upload took, which beside the rest of the suite is long.)
        let statuses = report["statuses"] as? [String: Int] ?? [:]
        #expect(statuses["200", default: 0] > 0, "\(statuses)")
        #expect(Set(statuses.keys).isSubset(of: ["200", "cut_off"]), "\(statuses)")
        // And the worker is still answering.
        #expect(try await FleetTests.get(metrics, "/healthz").0 == 200)
        worker.kill(SIGTERM)
        _ = await worker.wait(limit: .seconds(60))
    }

    @Test(
        "a worker whose store stops answering fails /healthz once the stall timeout passes, and passes again once it answers"
    )
    func stalledWorkerFailsLiveness() async throws {
        guard let services = try TestServices.current() else { return }
        let mongo = try await MongoFixtureProcess.start()
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-stall")
        try await fixture.setUp(visibilityTimeout: 30, maxReceiveCount: 20)
        // Calls wait on the silent store for the whole test rather than time out and retry.
        let worker = try fixture.startEdal(
            ["run"],
            Self.environment.merging([
                "EDAL_STATE_STORE_URI":
                    "mongodb://127.0.0.1:\(mongo.port)/edal_stall?directConnection=true&socketTimeoutMS=300000&serverSelectionTimeoutMS=300000",
                "EDAL_STALL_TIMEOUT": "30", "EDAL_MAX_IN_WORK": "10", "EDAL_RECEIVE_LOOPS": "1",
                "EDAL_VISIBILITY_TIMEOUT": "30",
            ]) { $1 })
        defer { worker.kill(SIGKILL) }
        let port = try await FleetTests.metricsPort(worker)
        _ = try await FleetTests.readiness(port, becomes: 200, within: .seconds(60))
        #expect(try await FleetTests.get(port, "/healthz") == (200, "ok\n"))

        // The store holds its connections open and answers nothing: claims hang, the receive loop
        // waits for room, and more notifications than it may hold wait in the queue.
        mongo.signal(SIGSTOP)
        let keys = try await fixture.generate(40, seed: 3)
        // The stall is counted from when notifications wait in the queue (they can come minutes late).
        try await fixture.waitForNotifications(keys.count)
        let deadline = ContinuousClock.now + .seconds(150)
        var answer = (0, "")
        while ContinuousClock.now < deadline {
            answer = try await FleetTests.get(port, "/healthz")
            if answer.0 == 503 { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(answer.0 == 503 && answer.1.contains("stalled"), "\(answer)")

        mongo.signal(SIGCONT)
        let recovered = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < recovered {
            answer = try await FleetTests.get(port, "/healthz")
            if answer.0 == 200 { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(answer == (200, "ok\n"))
        let done = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < done, try await fixture.streamSignals().count < keys.count {
            try await Task.sleep(for: .seconds(1))
        }
        try await fixture.expectEachSignalledOnce(keys)
        worker.kill(SIGTERM)
        _ = await worker.wait(limit: .seconds(60))
        mongo.kill()
    }

    @Test(
        "the operator page has its own loopback listener: a foreign Host is refused, a token is asked for, the metrics port serves no page"
    )
    func operatorPageAccess() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-access")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        func get(_ port: Int, _ path: String, _ headers: [(String, String)]) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 4 << 20)))
        }

        let open = try fixture.startEdal(["run"], Self.environment)
        defer { open.kill(SIGKILL) }
        let metrics = try await FleetTests.metricsPort(open)
        let page = try await FleetTests.listenerPort(open, "operator page")
        #expect(try await get(page, "/api/health", []).0 == 200)
        let rebound = try await get(page, "/api/signals", [("Host", "attacker.example:\(page)")])
        #expect(rebound.0 == 403 && rebound.1.contains("EDAL_OPERATOR_TOKEN"), "\(rebound)")
        #expect(try await get(metrics, "/", []).0 == 404, "the metrics listener serves no page")
        #expect(try await get(metrics, "/api/snapshot", []).0 == 404)
        open.kill(SIGTERM)
        _ = await open.wait(limit: .seconds(60))

        let token = "s3cret-operator-token-0123"
        let guarded = try fixture.startEdal(
            ["run"], Self.environment.merging(["EDAL_OPERATOR_TOKEN": token]) { $1 })
        defer { guarded.kill(SIGKILL) }
        let guardedPage = try await FleetTests.listenerPort(guarded, "operator page")
        let refused = try await get(guardedPage, "/", [])
        #expect(refused.0 == 401)
        #expect(try await get(guardedPage, "/", [("Authorization", "Bearer wrong-token-wrong-token")]).0 == 401)
        let allowed = try await get(
            guardedPage, "/", [("Authorization", "Bearer \(token)"), ("Host", "edal.internal")])
        #expect(allowed.0 == 200 && allowed.1.hasPrefix("<!doctype html>"))
        let config = try await fixture.edal(["config"], ["EDAL_OPERATOR_TOKEN": token])
        #expect(!config.output.contains(token) && config.output.contains("EDAL_OPERATOR_TOKEN"), "\(config.output)")
        guarded.kill(SIGTERM)
        _ = await guarded.wait(limit: .seconds(60))
    }

    @Test(
        "promtool check metrics is clean on a live scrape: edal_ names with units and HELP, build info, process metrics"
    )
    func metricsFollowPrometheusConventions() async throws {
        guard let services = try TestServices.current() else { return }
        let promtool = Repository.root.appendingPathComponent(".tools/bin/promtool").path
        try #require(
            FileManager.default.isExecutableFile(atPath: promtool),
            "promtool is missing: infra/install-deps.sh fetches it")
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-promtool")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let worker = try fixture.startEdal(["run"], Self.environment)
        defer { worker.kill(SIGKILL) }
        let port = try await FleetTests.metricsPort(worker)
        // Some work first, so the labelled families and histograms have samples.
        _ = try await fixture.generate(5)
        _ = try await Self.secondsUntilDeleted(5, port: port, from: .now, worker: worker)
        let (_, page) = try await FleetTests.get(port, "/metrics")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(TestServices.uniqueName("scrape")).txt")
        try page.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let check = try await HelperProcess.execute(
            "/bin/sh", ["-c", "\"$0\" check metrics < \"$1\"", promtool, file.path])
        #expect(check.status == 0 && check.output.isEmpty && check.errors.isEmpty, "\(check.output)\(check.errors)")

        let lines = page.split(separator: "\n")
        let families = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(families.count > 30, "\(families)")
        for family in families {
            #expect(family.hasPrefix("edal_") || family.hasPrefix("process_"), "\(family)")
            #expect(!family.hasSuffix("_gauge"), "\(family)")
            #expect(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "no HELP for \(family)")
        }
        #expect(page.contains("edal_build_info{version=\"\(EDALVersion.current)\"} 1"))
        #expect(FleetTests.sample("process_resident_memory_bytes", in: page) > 1_000_000)
        #expect(FleetTests.sample("process_open_fds", in: page) > 3)
        #expect(FleetTests.sample("process_cpu_seconds_total", in: page) > 0)
        #expect(FleetTests.sample("process_start_time_seconds", in: page) > 1_700_000_000)
        worker.kill(SIGTERM)
        _ = await worker.wait(limit: .seconds(60))
    }
}

extension OperatorSurfaceTests {
    @Test(
        "every JSON log line of a drain at debug level (malformed message, HEADs and Kinesis failing, retries, fallback) is valid ECS"
    )
    func logsAreECS() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-ecs")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 1)
        let kinesis = try await FaultProxy.start(
            service: "kinesis", upstream: services.kinesisEndpoint,
            rules: [.init(operation: "kinesis.PutRecords", fault: "error500", times: 6)])
        let s3 = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint,
            rules: [.init(operation: "s3.HeadObject", fault: "error500", times: 4)])
        let keys = try await fixture.generate(12, seed: 4)
        try await fixture.withClient { client in
            let sqs = SQSClient(client: client)
            _ = try await sqs.sendMessage(try await sqs.getQueueUrl(fixture.queue), body: "this is not a notification")
        }
        try await fixture.waitForNotifications(keys.count + 1)
        let (outcome, _) = try await fixture.drain(
            ["--idle-timeout", "15"],
            [
                "EDAL_LOG_FORMAT": "json", "EDAL_LOG_LEVEL": "debug", "AWS_ENDPOINT_URL_KINESIS": kinesis.endpoint,
                "AWS_ENDPOINT_URL_S3": s3.endpoint, "AWS_MAX_ATTEMPTS": "1",
            ])
        let lines = outcome.errors.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 10, "\(outcome.errors.suffix(2000))")
        var invalid: [String] = []
        for line in lines { invalid += ECSLogLine.problems(line) }
        #expect(invalid.isEmpty, "\(invalid.prefix(5))")
        let entries = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        // The fields the issue names appear: an error object with its type, an object's bucket and key.
        #expect(entries.contains { ($0["error"] as? [String: Any])?["type"] is String }, "no error.type")
        #expect(entries.contains { $0["aws.s3.bucket.name"] as? String == fixture.bucket }, "no aws.s3.bucket.name")
        #expect(entries.contains { $0["aws.s3.object.key"] is String }, "no aws.s3.object.key")
        #expect(Set(entries.compactMap { $0["log.logger"] as? String }).count >= 3, "several loggers")
        #expect(entries.allSatisfy { $0["ecs.version"] as? String == JSONLogHandler.ecsVersion })
    }
}
