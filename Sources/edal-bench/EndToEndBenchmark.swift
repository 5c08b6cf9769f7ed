import EDALAWS
import EDALTools
import EDALWorker
import Foundation

/// One end-to-end run: upload `objects` synthetic objects, let the notifications queue up, then time
/// `edal drain` (a child process, so its CPU and memory are its own) and a minimal client doing the
/// same request mix (the emulator's ceiling).
struct EndToEndBenchmark {
    var label: String
    var objects: Int
    var objectSize: Int
    var edal: String
    var workDirectory: URL
    var environment: [String: String]

    struct Result: Codable {
        var label: String
        var objects: Int
        var objectBytes: Int
        var uploadSeconds: Double
        var drainSeconds: Double
        var objectsPerSecond: Double
        /// Start to the last delete, without process start-up and the end-of-queue checks.
        var workSeconds: Double
        var workObjectsPerSecond: Double
        var ceilingObjectsPerSecond: Double
        var shareOfCeiling: Double
        var cpuSeconds: Double
        var cpuMillisecondsPerObject: Double
        var peakRSSMegabytes: Double
        var requestsPerObject: [String: Double]
        var awsRequestsPerObject: Double
        var storeRoundTripsPerObject: Double
        var signals: Int
        var complete: Bool
    }

    func run() async throws -> Result {
        let name = "edal-bench-\(label)-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = try AWSConfiguration.resolve(environment: environment)
        let client = AWSClient(configuration: configuration)
        defer { Task { try? await client.shutdown() } }
        let s3 = S3Client(client: client)
        let sqs = SQSClient(client: client)
        var plan = InfrastructureSetup.Plan(buckets: [name])
        plan.queueName = "\(name)-q"
        plan.deadLetterQueueName = "\(name)-dlq"
        plan.fallbackQueueName = "\(name)-fallback"
        plan.streamName = "\(name)-signals"
        let setup = try await InfrastructureSetup(s3: s3, sqs: sqs, kinesis: KinesisClient(client: client)).run(plan)

        // Upload, and wait for every notification to be in the queue.
        let manifest = workDirectory.appendingPathComponent("\(name).jsonl")
        let generator = SyntheticMELT(
            options: .init(
                seed: 7, objectSize: objectSize, anomalyRate: 0.05,
                start: Date().addingTimeInterval(-Double(objects))))
        log("\(label): uploading \(objects) objects of \(objectSize) bytes")
        let upload = try await SyntheticUpload(generator: generator, s3: s3, bucket: name, concurrency: 32).run(
            count: objects, manifest: manifest)
        try? FileManager.default.removeItem(at: manifest)
        var waiting = 0
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let attributes = try await sqs.getQueueAttributes(
                setup.queueURL, names: [SQSQueueAttribute.approximateNumberOfMessages])
            waiting = attributes[SQSQueueAttribute.approximateNumberOfMessages].flatMap { Int($0) } ?? 0
            if waiting >= objects { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        log("\(label): \(waiting) notifications waiting")

        var childEnvironment = environment
        childEnvironment["EDAL_QUEUE"] = setup.queueURL
        childEnvironment["EDAL_STREAM"] = plan.streamName
        childEnvironment["EDAL_FALLBACK_QUEUE"] = setup.fallbackQueueURL
        childEnvironment["EDAL_STATE_STORE_URI"] = "sqlite:" + workDirectory.appendingPathComponent("\(name).db").path
        childEnvironment["EDAL_WATCH"] = name
        childEnvironment["EDAL_LOG_LEVEL"] = "warning"
        // No training step: every source learns its baseline from the objects as they are drained.

        let summaryPath = workDirectory.appendingPathComponent("\(name)-summary.json")
        log("\(label): draining")
        let drain = try ChildProcess.run(
            edal, ["drain", "--summary-json", summaryPath.path, "--idle-timeout", "60"],
            environment: childEnvironment, mayFail: true)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: summaryPath)) as? [String: Any] ?? [:]
        let requests = (summary["requests"] as? [String: Int]) ?? [:]
        let drained = summary["objects"] as? Int ?? 0
        let perObject = requests.mapValues { Double($0) / Double(max(1, drained)) }

        // The ceiling: the same requests from a minimal client, on the same number of objects.
        log("\(label): measuring the emulator's ceiling")
        let ceiling =
            ProcessInfo.processInfo.environment["BENCH_NO_CEILING"] == "1"
            ? 0
            : try await EmulatorCeiling(s3: s3, sqs: sqs, queueURL: setup.queueURL, bucket: name).objectsPerSecond(
                objects: objects)

        let rate = Double(drained) / max(drain.wallSeconds, 0.001)
        let workSeconds = summary["work_seconds"] as? Double ?? drain.wallSeconds
        let workRate = Double(drained) / max(workSeconds, 0.001)
        return Result(
            label: label, objects: drained, objectBytes: upload.bytes, uploadSeconds: upload.seconds,
            drainSeconds: drain.wallSeconds, objectsPerSecond: rate, workSeconds: workSeconds,
            workObjectsPerSecond: workRate,
            ceilingObjectsPerSecond: ceiling, shareOfCeiling: ceiling > 0 ? workRate / ceiling : 0,
            cpuSeconds: drain.cpuSeconds, cpuMillisecondsPerObject: 1000 * drain.cpuSeconds / Double(max(1, drained)),
            peakRSSMegabytes: Double(drain.peakRSSKilobytes) / 1024, requestsPerObject: perObject,
            awsRequestsPerObject: perObject.values.reduce(0, +),
            storeRoundTripsPerObject: Double(summary["store_round_trips"] as? Int ?? 0) / Double(max(1, drained)),
            signals: (summary["signals_kinesis"] as? Int ?? 0) + (summary["signals_fallback"] as? Int ?? 0),
            complete: drain.status == 0
        )
    }
}

/// The emulator's own rate for the worker's request mix: per 10 objects one ReceiveMessage, ten
/// HEADs, one DeleteMessageBatch — with no parsing, claims, scoring or signals — from as many
/// loops as the worker has.
struct EmulatorCeiling {
    var s3: S3Client
    var sqs: SQSClient
    var queueURL: String
    var bucket: String
    var loops = 4

    func objectsPerSecond(objects: Int) async throws -> Double {
        // Refill the queue with one message per listed object (not timed).
        var keys: [String] = []
        for try await page in s3.listAllObjects(bucket: bucket) { keys += page.objects.map(\.key) }
        keys = Array(keys.prefix(objects))
        try await forEachChunk(keys, size: 10, limit: 16) { chunk in
            _ = try await sqs.sendMessageBatch(
                queueURL,
                entries: chunk.enumerated().map { SQSSendEntry(id: String($0.offset), messageBody: $0.element) })
        }
        let started = ContinuousClock.now
        let done = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<loops {
                group.addTask {
                    var empty = 0
                    while empty < 2 {
                        let messages = try await sqs.receiveMessage(queueURL, maximumMessages: 10, waitTimeSeconds: 1)
                        if messages.isEmpty {
                            empty += 1
                            continue
                        }
                        empty = 0
                        try await withThrowingTaskGroup(of: Void.self) { heads in
                            for message in messages {
                                heads.addTask { _ = try await s3.headObject(bucket: bucket, key: message.body) }
                            }
                            try await heads.waitForAll()
                        }
                        _ = try await sqs.deleteMessageBatch(
                            queueURL,
                            entries: messages.enumerated().map {
                                SQSDeleteEntry(id: String($0.offset), receiptHandle: $0.element.receiptHandle)
                            })
                        done.add(messages.count, at: ContinuousClock.now)
                    }
                }
            }
            try await group.waitForAll()
        }
        // Up to the last delete: the final empty receives are not work.
        let seconds = ((done.last ?? ContinuousClock.now) - started).seconds
        return Double(done.total) / max(seconds, 0.001)
    }

    private func forEachChunk(
        _ items: [String], size: Int, limit: Int, _ body: @escaping @Sendable ([String]) async throws -> Void
    ) async throws {
        let chunks = stride(from: 0, to: items.count, by: size).map { Array(items[$0..<min($0 + size, items.count)]) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(limit, chunks.count) {
                let chunk = chunks[next]
                group.addTask { try await body(chunk) }
                next += 1
            }
            while try await group.next() != nil, next < chunks.count {
                let chunk = chunks[next]
                group.addTask { try await body(chunk) }
                next += 1
            }
        }
    }
}

/// Objects finished by the ceiling's loops, and when the last were.
final class Counter: @unchecked Sendable {
    // @unchecked: state behind `lock`.
    private let lock = NSLock()
    private var count = 0
    private var lastInstant: ContinuousClock.Instant?

    func add(_ amount: Int, at instant: ContinuousClock.Instant) {
        lock.lock()
        defer { lock.unlock() }
        count += amount
        lastInstant = instant
    }

    var total: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    var last: ContinuousClock.Instant? {
        lock.lock()
        defer { lock.unlock() }
        return lastInstant
    }
}

func log(_ text: String) {
    FileHandle.standardError.write(Data("edal-bench: \(text)\n".utf8))
}
