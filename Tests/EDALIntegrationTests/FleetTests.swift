import AsyncHTTPClient
import Foundation
import Testing

@testable import EDALWorker

/// Several `edal run` processes as a fleet on this machine: one LocalStack, one store, uploads while
/// they run, one process killed and restarted midway, metrics scraped throughout.
@Suite("fleet", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct FleetTests {
    static let environment = [
        "EDAL_MODE": "continuous", "EDAL_VISIBILITY_TIMEOUT": "5", "EDAL_LOG_LEVEL": "info",
        "EDAL_SWEEP_INTERVAL": "0",
    ]

    /// The metrics port a worker logged, once it has.
    static func metricsPort(_ worker: HelperProcess.Running) async throws -> Int {
        try await listenerPort(worker, "metrics")
    }

    /// The port the worker's `listener` ("metrics" or "operator page") logged, once it has.
    static func listenerPort(_ worker: HelperProcess.Running, _ listener: String) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        let marker = "listener=\(listener) port="
        while ContinuousClock.now < deadline {
            let log = worker.collectedErrors
            if let range = log.range(of: marker),
                let port = Int(log[range.upperBound...].prefix { $0.isNumber })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HelperProcess.Failed(
            description: "the worker never logged its \(listener) port: \(worker.collectedErrors.suffix(2000))")
    }

    /// The value of an unlabelled gauge in a Prometheus text page.
    static func gauge(_ page: String, _ name: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
            Double($0.split(separator: " ").last ?? "")
        }
    }

    static func get(_ port: Int, _ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 4 << 20)))
    }

    /// The value of an unlabelled sample (or the sum over its labels) in a Prometheus text page.
    static func sample(_ name: String, in page: String) -> Double {
        page.split(separator: "\n").filter { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    /// Polls a worker's `/metrics` until it holds messages (its in-work gauge above 0) or `limit`
    /// passes; answers how many it held (0: never seen holding any).
    static func messagesInWork(_ port: Int, within limit: Duration) async throws -> Double {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let page = try await get(port, "/metrics").1
            if let held = gauge(page, "edal_sqs_messages_in_work"), held > 0 { return held }
            try await Task.sleep(for: .milliseconds(20))
        }
        return 0
    }

    /// A secret in the store URI's options, which nothing may show.
    static let storeSecret = "FQoGZXIvYXdzSECRETTOKEN"

    /// Polls `/readyz` until it answers 200 with a body `matches` accepts (the checks are refreshed
    /// every few seconds); answers that body.
    static func readyBody(_ port: Int, within limit: Duration, _ matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var last = (0, "")
        while ContinuousClock.now < deadline {
            last = (try? await get(port, "/readyz")) ?? (0, "no answer")
            if last.0 == 200, matches(last.1) { return last.1 }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("/readyz never answered as expected within \(limit); last: \(last.0) \(last.1)")
        return last.1
    }

    @Test(
        "three workers, uploads while they run, one killed and restarted: every object once, no duplicate signal, queue empty"
    )
    func fleetWithAKilledReplica() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-fleet3")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)

        var workers = try (0..<3).map { _ in try fixture.startEdal(["run"], Self.environment) }
        var ports: [Int] = []
        for worker in workers { ports.append(try await Self.metricsPort(worker)) }
        for port in ports { _ = try await Self.readiness(port, becomes: 200, within: .seconds(60)) }

        // Uploads while the fleet runs: two batches. During the first, replica 0 is killed at a moment
        // it holds messages (its in-flight gauge above zero), so its work must be taken over.
        async let firstBatch = fixture.generate(1500, seed: 21)
        // (The first notifications can come minutes after the upload starts under make test.)
        let heldWhenKilled = try await Self.messagesInWork(ports[0], within: .seconds(240))
        workers[0].kill(SIGKILL)
        _ = await workers[0].wait()
        #expect(heldWhenKilled > 0, "replica 0 held no message when it was killed")
        var keys = try await firstBatch
        keys += try await fixture.generate(1500, seed: 21, firstIndex: 1500)
        workers[0] = try fixture.startEdal(["run"], Self.environment)
        ports[0] = try await Self.metricsPort(workers[0])

        // Wait until every object has its signal and the queue is empty.
        let (signals, fallback) = try await fixture.waitUntilEachSignalled(keys, within: .seconds(240))
        var pages: [String] = []
        for port in ports { pages.append(try await Self.get(port, "/metrics").1) }
        for worker in workers { worker.kill(SIGTERM) }
        for worker in workers {
            let outcome = await worker.wait()
            #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        }

        let keySet = Set(keys)
        for (key, claim) in try await fixture.storedClaims(Array(keySet.subtracting(signals.map(\.evidence.key)))) {
            print(
                "fleet: no signal for \(key): status \(claim.status), outcome \(claim.outcome ?? "-"), signal \(claim.signalId ?? "-"), claims \(claim.claims)"
            )
        }
        #expect(keySet.count == 3000)
        #expect(Set(signals.map(\.evidence.key)) == keySet, "\(difference(Set(signals.map(\.evidence.key)), keySet))")
        #expect(Set(signals.map(\.signalId)).count == keySet.count, "one signal id per object")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.count == keySet.count)
        #expect(claims.values.allSatisfy { $0.status == .done })
        // Only what the killed replica held when it died was claimed again, and only that could be
        // published twice (under the same signal id).
        let takenOver = claims.values.filter { $0.claims > 1 }.count
        #expect(
            signals.count - keySet.count <= takenOver,
            "\(signals.count - keySet.count) repeated records, \(takenOver) taken over")
        #expect(takenOver <= 200, "at most EDAL_MAX_IN_WORK messages' objects were in the killed replica's hands")

        // The metrics of the live replicas account for what they did, under Filebeat's names.
        for page in pages {
            for name in [
                "edal_sqs_messages_received_total", "edal_sqs_messages_deleted_total", "edal_sqs_messages_in_work",
                "edal_sqs_messages_waiting", "edal_sqs_lag_seconds_count", "edal_sqs_message_processing_seconds_count",
                "edal_sqs_worker_utilization_ratio", "edal_s3_objects_requested_total", "edal_claims_total",
                "edal_signals_total",
                "edal_head_latency_seconds_count", "edal_scoring_latency_seconds_count",
                "edal_aws_requests_total{operation=\"sqs.ReceiveMessage\"}",
            ] {
                #expect(page.contains(name), "\(name) missing from /metrics")
            }
            // The levels the alert rules read (infra/observability): sources by state, the DLQ's depth.
            #expect(Self.sample("edal_sources", in: page) >= 1, "edal_sources{state} missing or zero")
            #expect(page.contains("edal_sqs_dead_letter_messages "), "the dead-letter queue's depth missing")
        }
        let deleted = pages.map { Self.sample("edal_sqs_messages_deleted_total", in: $0) }.reduce(0, +)
        let received = pages.map { Self.sample("edal_sqs_messages_received_total", in: $0) }.reduce(0, +)
        let signalled = pages.map { Self.sample("edal_signals_total", in: $0) }.reduce(0, +)
        print(
            "fleet: \(keySet.count) objects, \(signals.count) records (\(fallback.count) via the fallback queue), \(Set(signals.map(\.signalId)).count) signal ids, \(takenOver) taken over; live replicas' metrics: \(Int(received)) received, \(Int(deleted)) deleted, \(Int(signalled)) signalled"
        )
        // The killed replica's counts died with it; the rest of the work is in these three pages. A
        // message is deleted by whoever received it last: SQS delivers a message again when its
        // visibility runs out before the delete (the killed replica's, and under load a slow
        // one's), and its second receiver deletes it too (its claim says duplicate). So deleted is
        // bounded by what these replicas received, not by the objects.
        #expect(deleted > 0 && deleted <= received, "\(Int(deleted)) deleted, \(Int(received)) received")
        #expect(deleted >= Double(keySet.count) - 200, "all but what the killed replica deleted before it died")
        // (`edal_signals_total` counts source events too: the `new_source` announcements in the stream.)
        let sourceEvents = try await fixture.sourceEvents().count
        #expect(
            signalled > Double(keySet.count) / 2 && signalled <= Double(signals.count + sourceEvents),
            "\(Int(signalled)) signalled by the live replicas, \(signals.count) object records and \(sourceEvents) source events"
        )
    }

    /// The metrics port a worker logging JSON logged, once it has.
    static func metricsPortFromJSON(_ worker: HelperProcess.Running) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            for line in worker.collectedErrors.split(separator: "\n") {
                if let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    entry["edal.listener"] as? String == "metrics",
                    let port = (entry["edal.port"] as? String).flatMap(Int.init) ?? entry["edal.port"] as? Int
                {
                    return port
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HelperProcess.Failed(
            description: "the worker never logged its metrics port: \(worker.collectedErrors.suffix(2000))")
    }

    /// Polls `/readyz` until it answers `status`; answers its last body.
    static func readiness(_ port: Int, becomes status: Int, within limit: Duration) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var last = (0, "")
        while ContinuousClock.now < deadline {
            last = (try? await get(port, "/readyz")) ?? (0, "no answer")
            if last.0 == status { return last.1 }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("/readyz never answered \(status) within \(limit); last: \(last.0) \(last.1)")
        return last.1
    }

    @Test(
        "/readyz stays ready while MongoDB is down, naming it, and shows it answering again; every log line is ECS JSON"
    )
    func readinessFollowsTheStore() async throws {
        guard let services = try TestServices.current() else { return }
        var mongo = try await MongoFixtureProcess.start()
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-ready")
        try await fixture.setUp()
        let uri =
            "mongodb://127.0.0.1:\(mongo.port)/edal_ready?directConnection=true&serverSelectionTimeoutMS=1000&connectTimeoutMS=1000&authMechanismProperties=AWS_SESSION_TOKEN:\(Self.storeSecret)"
        let worker = try fixture.startEdal(
            ["run"],
            Self.environment.merging([
                "EDAL_STATE_STORE_URI": uri, "EDAL_LOG_FORMAT": "json",
            ]) { $1 })
        let port = try await Self.metricsPortFromJSON(worker)
        _ = try await Self.readiness(port, becomes: 200, within: .seconds(30))

        // Down: still ready (every replica sees the same outage), the store named as failing.
        mongo.kill()
        let down = try await Self.readyBody(port, within: .seconds(30)) { !$0.contains("store: ok") }
        #expect(down.contains("store:") && down.contains("queue: ok"), "only the store is down: \(down)")
        #expect(!down.contains(Self.storeSecret), "\(down)")

        mongo = try await MongoFixtureProcess.start(port: mongo.port)
        let back = try await Self.readyBody(port, within: .seconds(60)) { $0.contains("store: ok") }
        #expect(back.contains("store: ok"), "\(back)")

        worker.kill(SIGTERM)
        let outcome = await worker.wait(limit: .seconds(60))
        mongo.kill()
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        // Every line the worker logged is one ECS JSON object, with ECS's field types.
        let lines = outcome.errors.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        for line in lines {
            let problems = ECSLogLine.problems(line)
            #expect(problems.isEmpty, "\(problems)")
        }
        // The session token in the URI's options reached no log line.
        #expect(!outcome.errors.contains(Self.storeSecret) && !outcome.output.contains(Self.storeSecret))
        let config = try await fixture.edal(["config"], ["EDAL_STATE_STORE_URI": uri])
        #expect(!config.output.contains(Self.storeSecret) && config.output.contains("authMechanismProperties=***"))
        // The outage the fleet waits out, from the queue's redrive policy (maxReceiveCount 3).
        #expect(
            config.output.contains("outages:    held work waits out") && config.output.contains("3 × 12 h = 36 h"),
            "\(config.output)")
    }

    @Test(
        "/readyz: not ready until every dependency answered once; then two that hang are named within one check's 3 s and it stays ready; HEAD /metrics has no body"
    )
    func readinessChecksAtOnce() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-ready-fast")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let sqs = try await FaultProxy.start(service: "sqs", upstream: services.sqsEndpoint, rules: [])
        let kinesis = try await FaultProxy.start(service: "kinesis", upstream: services.kinesisEndpoint, rules: [])
        // The stream does not answer from the start: the replica has never reached it, so it is not ready.
        try await kinesis.setRules([.init(operation: "kinesis.DescribeStreamSummary", fault: "delay", seconds: 10)])
        let worker = try fixture.startEdal(
            ["run"],
            Self.environment.merging([
                "AWS_ENDPOINT_URL_SQS": sqs.endpoint, "AWS_ENDPOINT_URL_KINESIS": kinesis.endpoint,
            ]) { $1 })
        defer { worker.kill(SIGKILL) }
        let port = try await Self.metricsPort(worker)
        let never = try await Self.readiness(port, becomes: 503, within: .seconds(30))
        #expect(never.contains("not ready") && never.contains("sink: no answer within 3 s"), "\(never)")
        try await kinesis.setRules([])
        _ = try await Self.readiness(port, becomes: 200, within: .seconds(30))

        // The queue's and the stream's answers now take 10 s: each check gives up after 3 s, and the
        // replica, ready once, stays ready naming both.
        try await sqs.setRules([.init(operation: "sqs.GetQueueAttributes", fault: "delay", seconds: 10)])
        try await kinesis.setRules([.init(operation: "kinesis.DescribeStreamSummary", fault: "delay", seconds: 10)])
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        var slowest = Duration.zero
        var text = ""
        while clock.now < deadline {
            let asked = clock.now
            let (status, body) = try await Self.get(port, "/readyz")
            slowest = max(slowest, clock.now - asked)
            #expect(status == 200, "\(body)")
            text = body
            if !text.contains("queue: ok") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(!text.contains("queue: ok") && !text.contains("sink: ok") && text.contains("store: ok"), "\(text)")
        // One after another they took 6 s, past a probe's usual 5 s timeout.
        #expect(slowest < .milliseconds(4_500), "/readyz took \(slowest)")

        var head = HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics")
        head.method = .HEAD
        let response = try await HTTPClient.shared.execute(head, timeout: .seconds(10))
        #expect(response.status == .ok)
        #expect(Int(response.headers.first(name: "Content-Length") ?? "") ?? 0 > 0, "\(response.headers)")
        #expect(try await response.body.collect(upTo: 1 << 20).readableBytes == 0)
    }
}
