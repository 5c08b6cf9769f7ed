import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// `edal setup`, `generate`, `drain`, `run` and `replay` driven as a user drives them, against the
/// emulators and each state store; the assertions are on what a user sees: signals in Kinesis and
/// in the fallback queue, documents in the store, messages left in each queue.
@Suite(
    "worker end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct WorkerEndToEndTests {
    /// Every object signalled (so the assertions need no model), with short timeouts so a killed
    /// worker's messages and claims come back within seconds.
    static let continuous = ["EDAL_MODE": "continuous", "EDAL_VISIBILITY_TIMEOUT": "4"]

    @Test(
        "every object once, one signal each with a correct evidence pointer; duplicates, test events and malformed bodies handled",
        arguments: StoreUnderTest.all)
    func everyObjectOnce(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-e2e")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 2)

        var keys = try await fixture.generate(40, seed: 3)
        // Keys a notification must form-decode: a space, a plus, non-ASCII, a percent sign.
        let awkward = ["logs/edge/a b+c.jsonl", "logs/edge/ünï-cödé.jsonl", "logs/edge/100%.jsonl"]
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for key in awkward {
                _ = try await s3.putObject(
                    bucket: fixture.bucket, key: key, body: Array("{}\n".utf8),
                    metadata: ["kind": "logs", "service": "edge", "record-count": "1"])
            }
            // What else arrives on a real queue: S3's test event, and a body that is not a notification at all.
            let sqs = SQSClient(client: client)
            let queueURL = try await sqs.getQueueUrl(fixture.queue)
            _ = try await sqs.sendMessage(queueURL, body: s3TestEventBody(bucket: "x"))
            _ = try await sqs.sendMessage(queueURL, body: "this is not a notification")
        }
        keys += awkward
        try await fixture.waitForNotifications(keys.count + 2)

        let (first, figures) = try await fixture.drain(["--idle-timeout", "30"], Self.continuous)
        // The malformed message is bound for the DLQ, so the drain reports work left undone.
        #expect(first.status == 2, "\(first.errors)")
        #expect(figures["malformed"] == 1, "\(figures)")
        // Nothing was held, so nothing may be reported as given back (the watchdog used to say so
        // on its last tick after every drain that ended while a long poll was still open).
        #expect(!first.errors.contains("while work is held"), "\(first.errors)")
        // Ours (the one S3 sent when `edal setup` configured the notification was removed by `setUp`,
        // so that the queue's count is a count of notifications).
        #expect(figures["test_events"] == 1, "\(figures)")
        // Each object claimed once. A message whose 4 s visibility ran out before a late heartbeat
        // (a loaded machine) comes back: its objects are then met again, in progress or done
        // (a make test run saw 10 of 43 so), never claimed twice.
        #expect(figures["claimed"] == keys.count, "\(figures)")
        #expect(
            figures["objects"]
                == keys.count + figures["taken_over"] + figures["duplicates"] + figures["in_progress"], "\(figures)")
        // Metadata only: S3 saw one HEAD per object (baselines are learnt from the objects as they
        // come, not from a listing); no request read an object body.
        #expect(Set(figures.requests.keys.filter { $0.hasPrefix("s3.") }) == ["s3.HeadObject"], "\(figures.requests)")
        #expect(figures.requests["s3.HeadObject"] == keys.count, "\(figures.requests)")

        // Exactly one signal per object, by signal id and by record.
        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count)
        #expect(Set(signals.map(\.signalId)).count == keys.count)
        #expect(
            Set(signals.map(\.evidence.key)) == Set(keys), "\(difference(Set(signals.map(\.evidence.key)), Set(keys)))")

        // The evidence pointer is what S3 says about the object.
        try await fixture.withClient { client in
            let s3 = S3Client(client: client)
            for signal in signals
            where awkward.contains(signal.evidence.key) || signal.evidence.key.hasSuffix("00000001.jsonl") {
                let head = try #require(try await s3.headObject(bucket: fixture.bucket, key: signal.evidence.key))
                #expect(signal.evidence.uri == "s3://\(fixture.bucket)/\(signal.evidence.key)")
                #expect(signal.evidence.eTag == head.eTag)
                #expect(signal.evidence.size == head.contentLength)
                #expect(signal.evidence.lastModified == head.lastModified)
                #expect(signal.evidence.metadata == head.metadata)
                #expect(signal.signalId == SignalID.make(bucket: fixture.bucket, key: head.key, eTag: head.eTag))
            }
        }

        // Claimed exactly once each, and recorded as signalled.
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.count == keys.count)
        #expect(claims.values.allSatisfy { $0.status == .done && $0.claims == 1 && $0.outcome == "signalled" })

        // Nothing left in the queue; the malformed body is in the DLQ, untouched.
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        let dead = try await fixture.withClient { client in
            let sqs = SQSClient(client: client)
            return try await sqs.receiveMessage(
                try await sqs.getQueueUrl(fixture.deadLetterQueue), waitTimeSeconds: 1, visibilityTimeout: 0)
        }
        #expect(dead.map(\.body) == ["this is not a notification"])

        // Replayed notifications for every object: all duplicates, no second signal.
        let (replay, replayed) = try await fixture.drain(
            ["--backfill", fixture.bucket, "--idle-timeout", "30"], Self.continuous,
            command: ["replay"])
        #expect(replay.status == 0, "\(replay.errors) \(replayed)")
        #expect(replayed["duplicates"] == keys.count, "\(replayed)")
        #expect(try await fixture.streamSignals().count == keys.count)
        #expect(try await fixture.messages(in: fixture.queue) == 0)

        // After a fix, dead letters go back to the queue, body intact.
        let redrive = try await fixture.edal(["replay", "--from-dlq", fixture.deadLetterQueue, "--no-drain"])
        #expect(redrive.status == 0, "\(redrive.errors)")
        #expect(redrive.output.contains("moved 1 dead-letter message(s)"), "\(redrive.output)")
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        #expect(try await fixture.messages(in: fixture.queue) == 1)
        let requeued = try await fixture.withClient { client in
            let sqs = SQSClient(client: client)
            let url = try await sqs.getQueueUrl(fixture.queue)
            return try await sqs.receiveMessage(url, waitTimeSeconds: 2)
        }
        #expect(requeued.map(\.body) == ["this is not a notification"])
    }

    @Test("with the Kinesis stream missing, signals arrive in the fallback queue")
    func kinesisMissingFallsBack() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-fallback")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(stream: false)
        let keys = try await fixture.generate(15, seed: 4)
        try await fixture.waitForNotifications(keys.count)

        let (drained, figures) = try await fixture.drain(["--idle-timeout", "30"], Self.continuous)
        #expect(drained.status == 0, "\(drained.errors)")
        // One signal per object, and one per source the drain met for the first time.
        #expect(figures["source_events"] > 0, "\(figures)")
        #expect(figures["signals_fallback"] == keys.count + figures["source_events"], "\(figures)")
        let signals = try await fixture.fallbackSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(Set(signals.map(\.signalId)).count == keys.count)
        #expect(try await fixture.messages(in: fixture.queue) == 0)
    }

    @Test(
        "a fallback queue answering 200 with no entry listed has taken nothing: the signals are sent again and all arrive"
    )
    func fallbackAnswerListingNoEntry() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-empty-answer")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(stream: false)
        let keys = try await fixture.generate(12, seed: 6)
        try await fixture.waitForNotifications(keys.count)
        // The first three SendMessageBatch calls are answered `{}` and not forwarded.
        let sqs = try await FaultProxy.start(
            service: "sqs", upstream: services.sqsEndpoint,
            rules: [FaultProxy.Rule(operation: "sqs.SendMessageBatch", fault: "empty", times: 3)])
        var environment = Self.continuous
        environment["AWS_ENDPOINT_URL_SQS"] = sqs.endpoint
        let (drained, figures) = try await fixture.drain(["--idle-timeout", "30"], environment)
        #expect(drained.status == 0, "\(drained.errors)")
        #expect(try await sqs.stats().injected(into: "sqs.SendMessageBatch") == 3)
        let signals = try await fixture.fallbackSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys), "\(figures)")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }

    @Test("with both sinks down no message is deleted; once they are back every signal arrives")
    func bothSinksDownThenBack() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-outage")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(stream: false, visibilityTimeout: 4, maxReceiveCount: 5)
        let keys = try await fixture.generate(12, seed: 5)
        try await fixture.waitForNotifications(keys.count)
        // The fallback queue disappears too: neither sink can take a signal.
        let fallbackURL = try await fixture.url(fixture.fallbackQueue)
        try await fixture.withClient { try await SQSClient(client: $0).deleteQueue(fallbackURL) }

        let (down, figures) = try await fixture.drain(
            ["--idle-timeout", "6", "--fallback-queue", fallbackURL], Self.continuous)
        #expect(down.status == 2, "\(down.output)")
        // Nothing is acknowledged.
        #expect(figures["messages_deleted"] == 0, "\(figures)")
        #expect(figures["messages_received"] >= keys.count, "\(figures)")
        #expect(try await fixture.messages(in: fixture.queue) == keys.count)
        let held = try await fixture.storedClaims(keys)
        #expect(held.values.allSatisfy { $0.status == .processing })

        // Sinks back: the stream exists now. Every signal arrives, once.
        try await fixture.createStream()
        let back = try await fixture.edal(["drain", "--idle-timeout", "30", "--fallback-queue", ""], Self.continuous)
        #expect(back.status == 0, "\(back.errors)")
        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count)
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.values.allSatisfy { $0.status == .done })
    }

    @Test("an outage of both sinks many visibility timeouts long moves no good message to the DLQ (maxReceiveCount 5)")
    func longOutageKeepsMessagesOutOfTheDeadLetterQueue() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-long-outage")
        defer { Task { await fixture.discardStore() } }
        // Five receives move a message to the DLQ; the outage lasts more than ten visibility timeouts.
        try await fixture.setUp(stream: false, visibilityTimeout: 3, maxReceiveCount: 5)
        let keys = try await fixture.generate(40, seed: 15)
        try await fixture.waitForNotifications(keys.count)
        let fallbackURL = try await fixture.url(fixture.fallbackQueue)
        try await fixture.withClient { try await SQSClient(client: $0).deleteQueue(fallbackURL) }

        let worker = try fixture.startEdal(
            ["run", "--sweep-interval", "0", "--fallback-queue", fallbackURL],
            Self.continuous.merging(["EDAL_VISIBILITY_TIMEOUT": "3", "EDAL_LOG_LEVEL": "notice"]) { $1 })
        defer { worker.kill(SIGKILL) }
        try await Task.sleep(for: .seconds(35))
        #expect(
            try await fixture.messages(in: fixture.deadLetterQueue) == 0,
            "good messages reached the DLQ during the outage")
        #expect(
            try await fixture.messages(in: fixture.queue) == keys.count,
            "a message was deleted before its signal was out")

        // The stream comes back while the same worker runs: the held work finishes.
        try await fixture.createStream()
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline, try await fixture.messages(in: fixture.queue) > 0 {
            try await Task.sleep(for: .milliseconds(500))
        }
        worker.kill(SIGTERM)
        let stopped = await worker.wait()
        #expect(stopped.status == 0, "\(stopped.errors.suffix(2000))")
        #expect(stopped.errors.contains("holding unfinished work"), "the worker said it held work")
        let signals = try await fixture.streamSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(Set(signals.map(\.signalId)).count == keys.count)
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }

    @Test(
        "a worker killed with SIGKILL mid-run and restarted loses nothing and signals nothing twice",
        arguments: StoreUnderTest.all)
    func killedWorkerLosesNothing(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-kill")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 4, maxReceiveCount: 20)
        let keys = try await fixture.generate(600, seed: 6)
        try await fixture.waitForNotifications(keys.count)

        let worker = try fixture.startEdal(["run", "--sweep-interval", "0"], Self.continuous)
        // Kill it once it is well into the work.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await fixture.streamSignals().count < 60 {
            try await Task.sleep(for: .milliseconds(100))
        }
        worker.kill(SIGKILL)
        let killed = await worker.wait()
        #expect(killed.status != 0)
        let signalledBeforeRestart = try await fixture.streamSignals().count
        #expect(
            signalledBeforeRestart < keys.count, "the worker finished before it was killed: the test proves nothing")

        let (restarted, figures) = try await fixture.drain(["--idle-timeout", "30"], Self.continuous)
        #expect(restarted.status == 0, "\(restarted.errors) \(figures)")
        let signals = try await fixture.streamSignals()
        #expect(
            Set(signals.map(\.evidence.key)) == Set(keys), "\(difference(Set(signals.map(\.evidence.key)), Set(keys)))")
        #expect(Set(signals.map(\.signalId)).count == keys.count, "one signal id per object")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        let claims = try await fixture.storedClaims(keys)
        let undone = claims.filter { $0.value.status != .done }
        #expect(undone.isEmpty, "\(undone.count) claims not done: \(undone.values.prefix(3)); drain: \(figures)")
        // A record published but not yet completed when the process died is published again under
        // the same signal id (consumers dedupe on it); nothing else may repeat.
        let repeated = signals.count - keys.count
        let takenOver = claims.values.filter { $0.claims > 1 }.count
        #expect(repeated <= takenOver, "\(repeated) repeated records, \(takenOver) objects taken over")
    }

    @Test("SIGTERM stops receiving, finishes the work in hand, deletes nothing unfinished and exits 0")
    func gracefulShutdown() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-term")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 4, maxReceiveCount: 20)
        let keys = try await fixture.generate(600, seed: 10)
        try await fixture.waitForNotifications(keys.count)

        // A 5 s shutdown deadline, so "within the deadline" is told apart from a slow machine's
        // process start and exit (10 s more allowed for those).
        let worker = try fixture.startEdal(
            ["run", "--sweep-interval", "0"], Self.continuous.merging(["EDAL_SHUTDOWN_DEADLINE": "5"]) { $1 })
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try await fixture.streamSignals().count < 60 {
            try await Task.sleep(for: .milliseconds(100))
        }
        let stopping = ContinuousClock.now
        worker.kill(SIGTERM)
        let stopped = await worker.wait()
        #expect(stopped.status == 0, "\(stopped.errors)")
        #expect(ContinuousClock.now - stopping < .seconds(15), "stopped within the shutdown deadline")
        // Everything it started was finished: no claim is left in processing.
        let signalled = try await fixture.streamSignals()
        let claims = try await fixture.storedClaims(keys)
        #expect(
            claims.values.allSatisfy { $0.status == .done },
            "\(claims.values.filter { $0.status != .done }.count) claims left in processing")
        #expect(signalled.count < keys.count, "it stopped before the queue was empty")

        let (rest, figures) = try await fixture.drain(["--idle-timeout", "30"], Self.continuous)
        #expect(rest.status == 0, "\(rest.errors) \(figures)")
        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count)
        #expect(Set(signals.map(\.signalId)).count == keys.count)
    }

    @Test("three workers at once share the queue: each object claimed and signalled once")
    func severalWorkersAtOnce() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-fleet")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10)
        let keys = try await fixture.generate(200, seed: 7)
        try await fixture.waitForNotifications(keys.count)

        let workers = try (0..<3).map { _ in try fixture.startEdal(["drain", "--idle-timeout", "30"], Self.continuous) }
        for worker in workers {
            let outcome = await worker.wait()
            #expect(outcome.status == 0, "\(outcome.errors)")
        }
        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count)
        #expect(Set(signals.map(\.signalId)).count == keys.count)
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.count == keys.count)
        #expect(claims.values.allSatisfy { $0.status == .done && $0.claims == 1 })
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        // Each source (kind and service of the generator's keys) announced once, although three
        // processes met every source for the first time at about the same moment.
        let newSources = try await fixture.sourceEvents().filter { $0.check == "new_source" }
        #expect(newSources.count == Set(signals.map(\.source.id)).count, "\(newSources.map(\.source.id).sorted())")
        #expect(Set(newSources.map(\.source.id)) == Set(signals.map(\.source.id)))
        #expect(
            signals.allSatisfy { $0.source.template.contains("/%Y/%m/%d/%H/") },
            "\(Set(signals.map(\.source.template)))")
    }
}
