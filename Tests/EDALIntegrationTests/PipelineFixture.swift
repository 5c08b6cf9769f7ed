import Foundation
import Testing

@testable import EDALAWS
@testable import EDALState
@testable import EDALTools
@testable import EDALWorker

/// One isolated EDAL deployment on the test services for an end-to-end test: its own bucket, queues,
/// stream and store, set up with the real `edal setup`, driven with the real `edal` binary.
struct PipelineFixture: Sendable {
    let services: TestServices
    let store: StoreUnderTest
    let storeURI: String
    let bucket: String
    let queue: String
    let deadLetterQueue: String
    let fallbackQueue: String
    let stream: String
    /// The region this deployment's bucket and queues are in (the services' region unless given).
    let region: String

    init(services: TestServices, store: StoreUnderTest, name: String, region: String? = nil) throws {
        self.services = services
        self.region = region ?? services.region
        self.store = store
        storeURI = try store.freshURI()
        let unique = TestServices.uniqueName(name)
        bucket = unique
        queue = "\(unique)-q"
        deadLetterQueue = "\(unique)-dlq"
        fallbackQueue = "\(unique)-fallback"
        stream = "\(unique)-signals"
    }

    /// A deployment whose resources something else made (a CloudFormation stack), by their names.
    init(
        services: TestServices, store: StoreUnderTest, bucket: String, queue: String, deadLetterQueue: String,
        fallbackQueue: String, stream: String
    ) throws {
        self.services = services
        self.store = store
        region = services.region
        storeURI = try store.freshURI()
        self.bucket = bucket
        self.queue = queue
        self.deadLetterQueue = deadLetterQueue
        self.fallbackQueue = fallbackQueue
        self.stream = stream
    }

    /// The environment a user would give `edal`: credentials, endpoints, and this deployment's names.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = services.processEnvironment()
        environment["EDAL_QUEUE"] = queue
        environment["EDAL_STREAM"] = stream
        environment["EDAL_FALLBACK_QUEUE"] = fallbackQueue
        environment["EDAL_STATE_STORE_URI"] = storeURI
        environment["EDAL_WATCH"] = bucket
        environment["EDAL_LOG_LEVEL"] = "warning"
        environment["AWS_REGION"] = region
        // Tests run many workers at once: free ports, and the operator page only where a test asks.
        environment["EDAL_METRICS_ADDRESS"] = "127.0.0.1:0"
        environment["EDAL_OPERATOR_ADDRESS"] = "off"
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// `edal ARGS`, to completion.
    func edal(_ arguments: [String], _ extra: [String: String] = [:]) async throws -> HelperProcess.Outcome {
        try await HelperProcess.execute(
            try HelperProcess.executable("edal"), arguments, environment: environment(extra))
    }

    /// `edal drain` (or `edal replay … ` when `command` says so) with its summary read back from `--summary-json`.
    func drain(_ arguments: [String] = [], _ extra: [String: String] = [:], command: [String] = ["drain"]) async throws
        -> (HelperProcess.Outcome, DrainFigures)
    {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(TestServices.uniqueName("summary")).json")
        defer { try? FileManager.default.removeItem(at: path) }
        let outcome = try await edal(command + ["--summary-json", path.path] + arguments, extra)
        let data = (try? Data(contentsOf: path)) ?? Data("{}".utf8)
        let figures = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return (
            outcome,
            DrainFigures(
                values: figures.compactMapValues { $0 as? Int }, requests: figures["requests"] as? [String: Int] ?? [:],
                retries: figures["retries"] as? [String: Int] ?? [:],
                raw: String(decoding: data, as: UTF8.self))
        )
    }

    /// `edal ARGS`, started and left running.
    /// The `index`th key of a VPC-flow-log-like source (one account, region and flow log; the
    /// minute and a hex suffix vary), for tests that learn a source from objects.
    static func flowLogKey(_ index: Int) -> String {
        "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/25/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20261125T14\(String(format: "%02d", index % 60))Z_\(String(format: "%08x", 0xab00_0000 + index)).log.gz"
    }

    func startEdal(_ arguments: [String], _ extra: [String: String] = [:]) throws -> HelperProcess.Running {
        try HelperProcess.start(try HelperProcess.executable("edal"), arguments, environment: environment(extra))
    }

    /// Creates everything with `edal setup`. A queue it creates starts empty: the `s3:TestEvent` S3
    /// sends when the notification is configured is removed (`removeTestEvents`), so that a count of
    /// the queue's messages is a count of notifications.
    func setUp(stream: Bool = true, visibilityTimeout: Int = 10, maxReceiveCount: Int = 3) async throws {
        let existed = try await withClient { client in
            (try? await SQSClient(client: client).getQueueUrl(queue)) != nil
        }
        let outcome = try await edal([
            "setup", "--bucket", bucket, "--queue", queue, "--dead-letter-queue", deadLetterQueue,
            "--fallback-queue", fallbackQueue, "--stream", stream ? self.stream : "", "--shards", "2",
            "--visibility-timeout", String(visibilityTimeout), "--max-receive-count", String(maxReceiveCount),
        ])
        try #require(outcome.status == 0, "edal setup failed: \(outcome.errors)")
        if !existed { try await removeTestEvents() }
    }

    /// Deletes the `s3:TestEvent` messages S3 sent to the queue when its notification was configured
    /// (LocalStack sends them within `PutBucketNotificationConfiguration`); for a queue that holds
    /// nothing else yet. Anything else received is made visible again at once.
    func removeTestEvents() async throws {
        try await withClient { client in
            let sqs = SQSClient(client: client)
            let url = try await sqs.getQueueUrl(queue)
            while true {
                let received = try await sqs.receiveMessage(url, waitTimeSeconds: 0, visibilityTimeout: 30)
                let tests = received.filter { $0.body.contains("\"s3:TestEvent\"") }
                let others = received.filter { !$0.body.contains("\"s3:TestEvent\"") }
                if !others.isEmpty {
                    _ = try await sqs.changeMessageVisibilityBatch(
                        url,
                        entries: others.enumerated().map {
                            SQSVisibilityEntry(
                                id: "\($0.offset)", receiptHandle: $0.element.receiptHandle, visibilityTimeout: 0)
                        })
                }
                guard !tests.isEmpty else { return }
                _ = try await sqs.deleteMessageBatch(
                    url,
                    entries: tests.enumerated().map {
                        SQSDeleteEntry(id: "\($0.offset)", receiptHandle: $0.element.receiptHandle)
                    })
            }
        }
    }

    /// Uploads `count` synthetic objects with `edal generate`; answers their keys.
    func generate(_ count: Int, seed: Int = 1, firstIndex: Int = 0, anomalyRate: Double = 0.1) async throws -> [String]
    {
        try await generateWithTruth(count, seed: seed, firstIndex: firstIndex, anomalyRate: anomalyRate).map(\.key)
    }

    /// `edal generate` into the bucket; answers the manifest: each key with its ground truth.
    func generateWithTruth(_ count: Int, seed: Int = 1, firstIndex: Int = 0, anomalyRate: Double = 0.1) async throws
        -> [SyntheticUpload.ManifestEntry]
    {
        let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("\(bucket)-\(seed).jsonl")
        defer { try? FileManager.default.removeItem(at: manifest) }
        let outcome = try await edal([
            "generate", "--bucket", bucket, "--objects", String(count), "--object-size", "2KiB",
            "--seed", String(seed), "--first-index", String(firstIndex), "--anomaly-rate", String(anomalyRate),
            "--manifest", manifest.path,
        ])
        try #require(outcome.status == 0, "edal generate failed: \(outcome.errors)")
        return try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(SyntheticUpload.ManifestEntry.self, from: Data($0.utf8))
        }
    }

    func withClient<T>(_ body: (AWSClient) async throws -> T) async throws -> T {
        try await services.withClient(try services.configuration(region: region), options: .init(), body)
    }

    /// Creates the fixture's Kinesis stream (one shard) and waits until it is active: a sink coming back.
    func createStream() async throws {
        try await withClient { client in
            let kinesis = KinesisClient(client: client)
            try await kinesis.createStream(stream, shardCount: 1)
            _ = try await kinesis.waitUntilActive(stream)
        }
    }

    func url(_ queueName: String) async throws -> String {
        try await withClient { try await SQSClient(client: $0).getQueueUrl(queueName) }
    }

    /// Visible + in flight + delayed messages in `queueName`.
    func messages(in queueName: String) async throws -> Int {
        try await withClient { client in
            let sqs = SQSClient(client: client)
            let attributes = try await sqs.getQueueAttributes(try await sqs.getQueueUrl(queueName), names: ["All"])
            return [
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ]
            .reduce(0) { $0 + (attributes[$1].flatMap { Int($0) } ?? 0) }
        }
    }

    /// Waits until the queue holds at least `count` messages (notifications S3 delivered, and any a
    /// test sent), then 3 s more when it holds exactly `count`, so that a doubled notification
    /// shows. `setUp` leaves a new queue empty (no test event), so the count is exact. The default
    /// wait is long because LocalStack sends all buckets' notifications from one pool of three
    /// threads: a test uploading thousands of objects delays every other test's notifications.
    func waitForNotifications(_ count: Int, timeout: Duration = .seconds(180)) async throws {
        let deadline = ContinuousClock.now + timeout
        var seen = 0
        var reached: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            seen = try await messages(in: queue)
            if seen > count { return }
            if seen == count {
                if let reached, ContinuousClock.now - reached > .seconds(3) { return }
                reached = reached ?? .now
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("only \(seen) of \(count) notifications reached \(queue)")
    }

    /// Receives from the queue (as a consumer past `maxReceiveCount` does) until `count` messages are
    /// in the dead-letter queue, at most 30 s; answers how many are there.
    func receiveUntilDeadLettered(_ count: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        var inDLQ = 0
        while ContinuousClock.now < deadline {
            _ = try await withClient { client in
                let sqs = SQSClient(client: client)
                return try await sqs.receiveMessage(
                    try await sqs.getQueueUrl(queue), maximumMessages: 10, waitTimeSeconds: 1)
            }
            inDLQ = try await messages(in: deadLetterQueue)
            if inDLQ >= count { break }
        }
        return inDLQ
    }

    /// Every object signal in the stream (source events apart: `sourceEvents()`).
    func streamSignals() async throws -> [Signal] {
        try await allStreamSignals().filter { !$0.isSourceEvent }
    }

    /// Expects what a finished drain leaves: one signal in the stream for each of `keys` and no
    /// other, and nothing in the queue or its dead-letter queue.
    func expectEachSignalledOnce(_ keys: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let signals = try await streamSignals()
        #expect(signals.count == keys.count, sourceLocation: sourceLocation)
        #expect(Set(signals.map(\.evidence.key)) == Set(keys), sourceLocation: sourceLocation)
        #expect(try await messages(in: queue) == 0, "the queue is empty", sourceLocation: sourceLocation)
        #expect(try await messages(in: deadLetterQueue) == 0, "the DLQ is empty", sourceLocation: sourceLocation)
    }

    /// Every source event (new, silent, resumed, burst) in the stream.
    func sourceEvents() async throws -> [Signal] {
        try await allStreamSignals().filter(\.isSourceEvent)
    }

    func allStreamSignals() async throws -> [Signal] {
        try await withClient { client in
            try await SignalReader(kinesis: KinesisClient(client: client), sqs: SQSClient(client: client))
                .streamSignals(stream)
        }
    }

    /// Every signal in the fallback queue (consumed).
    func fallbackSignals() async throws -> [Signal] {
        try await withClient { client in
            let sqs = SQSClient(client: client)
            return try await SignalReader(kinesis: KinesisClient(client: client), sqs: sqs)
                .queueSignals(try await sqs.getQueueUrl(fallbackQueue), consume: true)
                .filter { !$0.isSourceEvent }
        }
    }

    /// Polls until every key has a signal, in the stream or the fallback queue (where a signal
    /// Kinesis refused goes), and the queue is empty, or `limit` passes. Answers every object signal
    /// seen and, of those, the fallback queue's (consumed as they are read).
    func waitUntilEachSignalled(_ keys: [String], within limit: Duration) async throws -> (
        signals: [Signal], fallback: [Signal]
    ) {
        let deadline = ContinuousClock.now + limit
        let wanted = Set(keys)
        var signals: [Signal] = []
        var fallback: [Signal] = []
        while ContinuousClock.now < deadline {
            fallback += try await fallbackSignals()
            signals = try await streamSignals() + fallback
            if Set(signals.map(\.evidence.key)).isSuperset(of: wanted), try await messages(in: queue) == 0 { break }
            try await Task.sleep(for: .seconds(1))
        }
        return (signals, fallback)
    }

    /// What the store holds for `key` of this bucket.
    /// (`uri`: another store than the fixture's, e.g. a container's SQLite file on its volume.)
    func storedClaims(_ keys: [String], uri: String? = nil) async throws -> [String: StoredClaim] {
        let opened = try await StateStoreFactory.open(uri: uri ?? storeURI)
        var claims: [String: StoredClaim] = [:]
        for key in keys {
            if let claim = try await opened.storedClaim(bucket: bucket, key: key) { claims[key] = claim }
        }
        await opened.close()
        return claims
    }

    /// Removes the store's data.
    func discardStore() async {
        guard let opened = try? await StateStoreFactory.open(uri: storeURI) else { return }
        if let mongo = opened as? MongoStateStore { try? await mongo.dropDatabase() }
        await opened.close()
        if case .sqlite(let path)? = try? StateStoreFactory.location(of: storeURI) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }
}

/// The integer figures of a drain summary (`--summary-json`), `-1` when absent.
struct DrainFigures: Sendable, CustomStringConvertible {
    var values: [String: Int]
    /// AWS requests the drain sent, by `service.Operation`.
    var requests: [String: Int]
    /// Of those, the retries, by `service.Operation`.
    var retries: [String: Int] = [:]
    var raw: String

    subscript(_ name: String) -> Int { values[name] ?? -1 }

    var description: String { raw }
}

/// The elements of `actual` and `expected` that differ, for readable failures on large sets.
func difference(_ actual: Set<String>, _ expected: Set<String>) -> String {
    "missing \(expected.subtracting(actual).sorted().prefix(5)) (\(expected.subtracting(actual).count)), unexpected \(actual.subtracting(expected).sorted().prefix(5)) (\(actual.subtracting(expected).count))"
}
