import EDALAWS
import EDALDetection
import EDALState
import Foundation
import Logging

/// The pieces of a running EDAL process, wired from `WorkerSettings` and the AWS configuration:
/// one HTTP client, the state store, the resolved queue URLs, the detector and the counters.
/// `edal run`, `drain` and `sweep` build their worker or sweep from it.
public struct EDALRuntime: Sendable {
    public let client: AWSClient
    public let s3: S3Client
    public let sqs: SQSClient
    public let kinesis: KinesisClient
    public let store: any StateStore
    /// How long the store keeps claims.
    public let claimRetention: ClaimRetention
    public let settings: WorkerSettings
    /// Every notification queue (`EDAL_QUEUE`), resolved to its URL.
    public let queueURLs: [String]
    /// The first notification queue: where the claim retention and the queue-depth gauges are read.
    public var queueURL: String { queueURLs[0] }
    public let fallbackQueueURL: String?
    public let statistics: WorkerStatistics
    /// The sources and their baselines, shared with other replicas through the store.
    public let sources: SourceTracker
    /// `host:pid`: names this process in claims and signals.
    public let owner: String
    public let logger: Logger

    /// Opens the store and resolves queue names to URLs.
    /// - Throws: `SettingsError` naming the setting when a queue or the store cannot be reached.
    public static func start(
        settings: WorkerSettings, aws: AWSConfiguration, metrics: WorkerMetrics? = nil,
        logger: Logger = Logger(label: "edal")
    ) async throws -> EDALRuntime {
        let client = AWSClient(
            configuration: aws,
            options: .init(
                requestTimeout: .seconds(Int64(settings.awsRequestTimeout)),
                userAgent: "edal/\(EDALVersion.current)"))
        let sqs = SQSClient(client: client)
        do {
            var queueURLs: [String] = []
            for queue in settings.queues {
                queueURLs.append(try await resolveQueue(queue, sqs: sqs, setting: "EDAL_QUEUE"))
            }
            guard let queueURL = queueURLs.first else {
                throw SettingsError(
                    setting: "EDAL_QUEUE", problem: "the notification queue is required (a name or URL)")
            }
            let fallback =
                settings.fallbackQueue.isEmpty
                ? nil
                : try await resolveQueue(settings.fallbackQueue, sqs: sqs, setting: "EDAL_FALLBACK_QUEUE")
            let retention = await decideRetention(settings: settings, sqs: sqs, queueURL: queueURL, logger: logger)
            let store: any StateStore
            do {
                store = try await StateStoreFactory.open(uri: settings.storeURI, claimRetention: retention.duration)
            } catch {
                throw SettingsError(setting: "EDAL_STATE_STORE_URI", problem: error.description)
            }
            logger.info("claims are kept \(retention)")
            if settings.allowedBuckets.isOpen {
                logger.warning(
                    "EDAL_ALLOWED_BUCKETS and EDAL_WATCH are unset: acting on every bucket the queue's notifications name; set EDAL_ALLOWED_BUCKETS to the buckets this deployment watches"
                )
            }
            return EDALRuntime(
                client: client,
                s3: S3Client(
                    client: client, expectedBucketOwners: settings.expectedBucketOwners,
                    bucketCredentials: bucketCredentials(settings.bucketRoles, aws: aws)),
                sqs: sqs, kinesis: KinesisClient(client: client), store: store,
                claimRetention: retention,
                settings: settings, queueURLs: queueURLs, fallbackQueueURL: fallback,
                statistics: WorkerStatistics(observer: metrics),
                sources: SourceTracker(registry: settings.sourceRegistry, store: store),
                owner: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)",
                logger: logger
            )
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Each `EDAL_BUCKET_ROLES` bucket's credentials: its role, assumed with the worker's own.
    public static func bucketCredentials(_ roles: BucketRoles, aws: AWSConfiguration) -> [String:
        any CredentialProvider]
    {
        let session = "edal-\(ProcessInfo.processInfo.processIdentifier)"
        return roles.roles.reduce(into: [:]) { providers, entry in
            providers[entry.key] = aws.assumedRole(
                entry.value, sessionName: session, label: "role \(entry.value) for bucket \(entry.key)")
        }
    }

    /// `EDAL_CLAIM_RETENTION` when set (with a warning when it is shorter than what can still deliver
    /// an object), else the window computed from the queues and the sweep.
    static func decideRetention(settings: WorkerSettings, sqs: SQSClient, queueURL: String, logger: Logger) async
        -> ClaimRetention
    {
        let computed = await ClaimRetention.computed(
            queueURL: queueURL, sqs: sqs, sweepLookback: settings.sweepLookback,
            sweepOverlap: settings.sweepOverlap)
        guard let configured = settings.claimRetention else { return computed }
        if configured == 0 { return ClaimRetention(duration: nil, reason: "EDAL_CLAIM_RETENTION=0") }
        if let horizon = computed.duration, Duration.seconds(configured) < horizon {
            logger.warning(
                "EDAL_CLAIM_RETENTION is shorter than the time the same content can still be delivered; a delivery after it is claimed and signalled again",
                metadata: ["configured_seconds": "\(configured)", "delivery_horizon": "\(computed)"])
        }
        return ClaimRetention(duration: .seconds(configured), reason: "EDAL_CLAIM_RETENTION")
    }

    /// Whether claims expire and this store must be asked to delete them (SQLite; MongoDB's TTL
    /// index needs no help).
    public var prunesClaims: Bool { store is any ClaimPruning && claimRetention.duration != nil }

    /// The claim expiry of this process, when its store needs asking (`prunesClaims`: SQLite).
    public func claimExpiry() -> ClaimExpiry? {
        guard prunesClaims, let pruning = store as? any ClaimPruning else { return nil }
        return ClaimExpiry(store: pruning, logger: logger)
    }

    /// A URL is used as given; a name is looked up.
    public static func resolveQueue(_ queue: String, sqs: SQSClient, setting: String) async throws -> String {
        if queue.hasPrefix("http://") || queue.hasPrefix("https://") { return queue }
        do {
            return try await sqs.getQueueUrl(queue)
        } catch let error as AWSServiceError {
            throw SettingsError(
                setting: setting,
                problem: "queue \(queue) not found (\(error.code)); create it with `edal setup` or give its URL")
        }
    }

    /// Reads the shared source baselines (at start-up, so a replica does not relearn what others know).
    public func loadSources() async {
        do {
            try await sources.sync()
            logger.info("source baselines loaded", metadata: ["sources": "\(sources.baselines.count)"])
        } catch {
            logger.warning(
                "cannot read the source baselines; learning from scratch until the store answers",
                metadata: ["error": .error(error)])
        }
    }

    /// The source watcher of this process (`edal run`; `edal drain` without the silence checks).
    public func sourceWatcher(checksSilence: Bool = true) -> SourceWatcher {
        SourceWatcher(
            sources: sources, pipeline: pipeline(), syncInterval: .seconds(settings.sourceSyncInterval),
            checkInterval: .seconds(settings.silenceCheckInterval), checksSilence: checksSilence,
            retention: settings.sourceRetention > 0 ? .seconds(settings.sourceRetention) : nil,
            logger: Logger(label: "edal.sources"))
    }

    public func pipeline() -> ObjectPipeline {
        let publisher = SignalPublisher(
            kinesis: kinesis, sqs: sqs, streamName: settings.stream.isEmpty ? nil : settings.stream,
            fallbackQueueURL: fallbackQueueURL)
        var pipeline = ObjectPipeline(
            s3: s3, store: store, publisher: publisher, sources: sources, mode: settings.mode, dedupe: settings.dedupe,
            statistics: statistics, owner: owner,
            lease: settings.lease, headConcurrency: settings.headConcurrency)
        pipeline.signalMetadata = settings.signalMetadata
        return pipeline
    }

    /// Runs a worker on every notification queue until each has ended (drained, or `shutdown`);
    /// they share the pipeline, the store and the counters.
    public func runWorkers(drain: QueueWorkerConfiguration.Drain? = nil, shutdown: ShutdownSignal) async
        -> DrainResult
    {
        guard queueURLs.count > 1 else { return await worker(drain: drain).run(shutdown: shutdown) }
        let results = await withTaskGroup(of: DrainResult.self) { group in
            for url in queueURLs {
                group.addTask { await worker(drain: drain, queueURL: url).run(shutdown: shutdown) }
            }
            return await group.reduce(into: [DrainResult]()) { $0.append($1) }
        }
        return DrainResult(combining: results, counts: statistics.snapshot)
    }

    /// The worker of one notification queue (the first, unless `queueURL` says another).
    public func worker(drain: QueueWorkerConfiguration.Drain? = nil, queueURL: String? = nil) -> QueueWorker {
        var configuration = QueueWorkerConfiguration(
            queueURL: queueURL ?? self.queueURL, pollers: settings.receiveLoops,
            maximumMessagesInWork: settings.maximumMessagesInWork,
            visibilityTimeout: settings.visibilityTimeout, shutdownDeadline: .seconds(settings.shutdownDeadline),
            drain: drain
        )
        configuration.allowedBuckets = settings.allowedBuckets
        configuration.expectedBucketOwners = settings.expectedBucketOwners
        return QueueWorker(sqs: sqs, pipeline: pipeline(), configuration: configuration)
    }

    /// The sweep over `settings.watch`, or `nil` when nothing is watched.
    public func sweep() throws -> Sweep? {
        guard !settings.watch.isEmpty else { return nil }
        let layout = settings.sweepPartitions.isEmpty ? nil : try PartitionLayout(parsing: settings.sweepPartitions)
        return Sweep(
            s3: s3, store: store, pipeline: pipeline(), locations: settings.watch,
            interval: .seconds(max(60, settings.sweepInterval)), overlap: .seconds(settings.sweepOverlap),
            lookback: .seconds(settings.sweepLookback), layout: layout)
    }

    /// What `/readyz` reports: each dependency and its problem (`nil` when it answered within 3 s).
    public func readiness() async -> [(name: String, problem: String?)] {
        let stream = settings.stream
        let fallback = fallbackQueueURL
        let checks: [(String, @Sendable () async throws -> Void)] = [
            (
                "queue",
                { [sqs, queueURLs] in
                    for url in queueURLs {
                        _ = try await sqs.getQueueAttributes(url, names: [SQSQueueAttribute.queueArn])
                    }
                }
            ),
            ("store", { [store] in try await store.ping() }),
            (
                "sink",
                { [kinesis, sqs] in
                    if !stream.isEmpty {
                        _ = try await kinesis.describeStreamSummary(stream)
                    } else if let fallback {
                        _ = try await sqs.getQueueAttributes(fallback, names: [SQSQueueAttribute.queueArn])
                    }
                }
            ),
        ]
        // At once, so the answer comes within one check's 3 s however many fail (a probe waits 5 s).
        return await withTaskGroup(of: (Int, String?).self) { group in
            for (index, (_, check)) in checks.enumerated() {
                group.addTask { (index, await Self.problem(within: .seconds(3), check)) }
            }
            var problems = [String?](repeating: nil, count: checks.count)
            for await (index, problem) in group { problems[index] = problem }
            return zip(checks, problems).map { ($0.0.0, $0.1) }
        }
    }

    /// `nil` when `check` succeeds within `limit`, else what went wrong.
    static func problem(within limit: Duration, _ check: @escaping @Sendable () async throws -> Void) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await check()
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return "no answer within \(Int(limit.seconds)) s"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The queue-depth gauges' watcher, when metrics are on.
    public func queueDepthWatcher() -> QueueDepthWatcher? {
        guard let observer = statistics.observer else { return nil }
        return QueueDepthWatcher(
            sqs: sqs, queueURL: queueURL, observer: observer, storeRoundTrips: { [store] in store.roundTrips })
    }

    /// Closes the store and the HTTP client.
    public func shutdown() async {
        await store.close()
        try? await client.shutdown()
    }
}
