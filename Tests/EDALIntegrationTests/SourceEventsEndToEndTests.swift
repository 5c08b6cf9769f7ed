import Foundation
import Testing

@testable import EDALAWS
@testable import EDALState
@testable import EDALWorker

/// Source events through the real binary: two `edal run` replicas sharing one store learn a source
/// from objects delivered on a schedule, one of them signals its silence, and its resumption is
/// signalled once.
@Suite(
    "source events end to end", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct SourceEventsEndToEndTests {
    static let environment = [
        "EDAL_VISIBILITY_TIMEOUT": "5", "EDAL_LOG_LEVEL": "info", "EDAL_SWEEP_INTERVAL": "0",
        // The periodic silence check runs once at start and then only every 10 minutes: a silence
        // found within the test's minute was found by waking at the source's own deadline.
        "EDAL_LEARNING_OBJECTS": "8", "EDAL_SILENCE_CHECK_INTERVAL": "600", "EDAL_SOURCE_SYNC_INTERVAL": "1",
        // Silence is measured against at least 10 s (30 s of quiet), not the 1 s cadence itself: on a
        // machine loaded by the other suites a replica can take seconds to receive and judge an object.
        "EDAL_SILENCE_MINIMUM_GAP": "10",
    ]

    @Test(
        "a source that stops is signalled silent once, by one replica, and resumed once",
        arguments: [StoreUnderTest.mongoFixture])
    func silenceAndResumption(_ store: StoreUnderTest) async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: store, name: "edal-silence")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)
        try await fixture.notifyFromTheTest()
        var workers = try (0..<2).map { _ in try fixture.startEdal(["run"], Self.environment) }
        defer { for worker in workers { worker.kill(SIGKILL) } }

        // A VPC-flow-log-like source delivering about every second (LastModified has whole seconds).
        let deliveries = try await fixture.deliverEverySecond(16)
        let keys = deliveries.keys
        let done = try await fixture.waitUntilDone(deliveries.keys)

        // Silence: three usual gaps (here 3 × the 10 s floor) pass without an object.
        var silent: [Signal] = []
        let deadline = deliveries.silenceFound(by: done, minimumGap: .seconds(10))
        while ContinuousClock.now < deadline {
            silent = try await fixture.sourceEvents().filter { $0.check == "silent_source" }
            if !silent.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let timings = deliveries.timings(done: done)
        let event = try #require(
            silent.first,
            "no silent_source signal; \(timings); worker logs: \(workers.map { $0.collectedErrors.suffix(1500) })")
        #expect(
            event.evidence.key == keys.last,
            "\(timings); worker logs: \(workers.map { $0.collectedErrors.suffix(1500) })")
        #expect(event.source.template.contains("fl-0a1b2c3d_%Y%m%dT%H%MZ_{id}.log.gz"), "\(event.source.template)")
        #expect(event.source.producer == "vpcflowlogs")
        // The cadence learned is the one delivered (LastModified has whole seconds; under load S3
        // can take seconds to answer a PUT, so the delivered cadence is measured, not assumed).
        let delivered = deliveries.meanGapSeconds(overLast: event.baseline.recent)
        #expect(
            event.baseline.cadenceSeconds.map { abs($0 - delivered) <= max(1, delivered / 4) } == true,
            "learned \(event.baseline), delivered every \(delivered) s")
        #expect(event.origin.via == "source_check")

        // Deliveries resume: one resumed signal, and the silence stays one signal.
        try await fixture.putAndNotify(PipelineFixture.flowLogKey(40), body: Array(repeating: 0x61, count: 2000))
        var resumed: [Signal] = []
        let resumeDeadline = try await fixture.waitUntilDone([PipelineFixture.flowLogKey(40)]) + .seconds(30)
        while ContinuousClock.now < resumeDeadline {
            resumed = try await fixture.sourceEvents().filter { $0.check == "resumed" }
            if !resumed.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        // Both replicas had time to check silence again and to sync. (The source stops again after the
        // one object, so a later silence is a new episode with its own id.)
        try await Task.sleep(for: .seconds(3))
        let events = try await fixture.sourceEvents()
        #expect(events.filter { $0.signalId == event.signalId }.count == 1, "\(events.map(\.check))")
        let episodeResumed = SignalID.source(
            bucket: fixture.bucket, template: event.source.template, check: "resumed",
            episode: event.evidence.lastModified)
        #expect(
            resumed.contains { $0.signalId == episodeResumed },
            "\(events.map(\.check)); worker logs: \(workers.map { $0.collectedErrors.suffix(3000) })")
        #expect(events.filter { $0.check == "new_source" }.count == 1, "\(events.map(\.check))")
        // Learning objects are never judged; the rest were normal: no object signal at all.
        #expect(try await fixture.streamSignals().isEmpty)
        for index in workers.indices { workers[index].kill(SIGTERM) }
        for worker in workers { _ = await worker.wait() }
        workers = []
    }
}

extension SourceEventsEndToEndTests {
    @Test(
        "a silence found while Kinesis and the fallback queue are both down is kept with the baseline and published once they answer"
    )
    func silenceDuringASinkOutage() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-kept-event")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)
        try await fixture.notifyFromTheTest()
        let kinesis = try await FaultProxy.start(service: "kinesis", upstream: services.kinesisEndpoint, rules: [])
        let sqs = try await FaultProxy.start(service: "sqs", upstream: services.sqsEndpoint, rules: [])
        let worker = try fixture.startEdal(
            ["run"],
            Self.environment.merging([
                "AWS_ENDPOINT_URL_KINESIS": kinesis.endpoint, "AWS_ENDPOINT_URL_SQS": sqs.endpoint,
                "AWS_MAX_ATTEMPTS": "1",
            ]) { $1 })
        defer { worker.kill(SIGKILL) }

        let deliveries = try await fixture.deliverEverySecond(12)
        let keys = deliveries.keys
        // Both sinks go down before the silence can be found (30 s of quiet).
        try await kinesis.setRules([.init(operation: "kinesis.PutRecords", fault: "error500")])
        try await sqs.setRules([.init(operation: "sqs.SendMessageBatch", fault: "error500")])
        // The silence is found and reaches no sink: kept.
        let kept = deliveries.silenceFound(
            by: try await fixture.waitUntilDone(deliveries.keys), minimumGap: .seconds(10))
        while ContinuousClock.now < kept, !worker.collectedErrors.contains("kept with its source's baseline") {
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(
            worker.collectedErrors.contains("kept with its source's baseline"),
            "\(worker.collectedErrors.suffix(2000))")

        // Both answer again: the kept silence is published, once, to whichever sink takes it.
        try await kinesis.setRules([])
        try await sqs.setRules([])
        var silent: [Signal] = []
        let published = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < published {
            silent += try await fixture.withClient { client in
                let sqs = SQSClient(client: client)
                return try await SignalReader(kinesis: KinesisClient(client: client), sqs: sqs)
                    .queueSignals(try await sqs.getQueueUrl(fixture.fallbackQueue), consume: true)
                    .filter { $0.check == "silent_source" }
            }
            let streamed = try await fixture.sourceEvents().filter { $0.check == "silent_source" }
            if !streamed.isEmpty || !silent.isEmpty {
                try await Task.sleep(for: .seconds(3))
                silent += try await fixture.sourceEvents().filter { $0.check == "silent_source" }
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let event = try #require(
            silent.first, "the kept silence was never published: \(worker.collectedErrors.suffix(2000))")
        #expect(event.evidence.key == keys.last, "\(worker.collectedErrors.suffix(2000))")
        #expect(silent.count == 1, "published once: \(silent.map(\.signalId))")
        // Nothing is kept any more: the store's copy of the baseline lists no unpublished event.
        let stored = ContinuousClock.now + .seconds(30)
        var baselines: [StoredBaseline] = []
        while ContinuousClock.now < stored {
            let store = try await StateStoreFactory.open(uri: fixture.storeURI)
            baselines = try await store.loadBaselines(
                prefix: SourceTracker.storePrefix, savedSince: nil, after: nil, limit: 100)
            await store.close()
            if baselines.allSatisfy({ !String(decoding: $0.payload, as: UTF8.self).contains("unpublishedEvents") }) {
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(baselines.allSatisfy { !String(decoding: $0.payload, as: UTF8.self).contains("unpublishedEvents") })
        worker.kill(SIGTERM)
        _ = await worker.wait(limit: .seconds(60))
    }
}
