import EDALAWS
import EDALDetection
import Foundation
import EDALState

/// Everything `edal run` / `edal drain` need beyond AWS credentials, from environment variables
/// (documented in docs/configuration.md) with command-line flags taking precedence. Validated as a whole
/// at start-up so a bad value stops the process with a clear message instead of failing later.
public struct WorkerSettings: Sendable, Equatable {
    /// The notification queue: a URL, or a name resolved with GetQueueUrl.
    public var queue: String = "edal-notifications"
    /// The Kinesis stream for signals; empty disables Kinesis (fallback queue only).
    public var stream: String = "edal-signals"
    /// The fallback queue for signals Kinesis refuses: a URL or name; empty for none.
    public var fallbackQueue: String = "edal-signals-fallback"
    public var storeURI: String = StateStoreFactory.defaultURI
    /// Receive loops: tasks that each long-poll the queue for up to 10 messages and work them off.
    public var receiveLoops: Int = 4
    public var maximumMessagesInWork: Int = 200
    public var visibilityTimeout: Int = 30
    /// Claim lease in seconds; defaults to the visibility timeout, so a dead worker's claims free up
    /// when its messages come back.
    public var leaseSeconds: Int?
    public var headConcurrency: Int = 16
    public var shutdownDeadline: Int = 20
    public var mode: Signal.Mode = .anomalies
    /// One signal per bucket + key + content (`content`), or per version too (`version`).
    public var dedupe: DedupeScope = .content
    /// The IsolationForest score at or above which an object of a source with numeric metadata is an outlier.
    public var scoreThreshold: Double = SourceDetector.Configuration().scoreThreshold
    public var rules: [MetadataRule] = []
    /// Sources named by pattern where the learnt template is wrong (`EDAL_SOURCES`).
    public var sources: [SourcePattern] = []
    /// At most this many sources per bucket (`EDAL_MAX_SOURCES`); objects of new templates past it
    /// are judged together under one catch-all source, announced once.
    public var maximumSources: Int = SourceRegistry().maximumSourcesPerBucket
    /// Objects a new source delivers before it is judged.
    public var learningObjects: Int = Int(SourceDetector.Configuration().learningObjects)
    /// A source is silent after this many usual intervals without a delivery.
    public var silenceFactor: Double = SourceDetector.Configuration().silenceFactor
    /// The shortest usual gap, in seconds, a silence is measured against.
    public var silenceMinimumGap: Int = Int(SourceDetector.Configuration().silenceMinimumGap)
    /// Seconds between silence checks (one replica at a time) and between baseline syncs with the store.
    public var silenceCheckInterval: Int = 60
    public var sourceSyncInterval: Int = 15
    /// Seconds a source may deliver nothing before its baseline is forgotten, here and in the store
    /// (`EDAL_SOURCE_RETENTION`; 0: never). Delivering again after that, it is a new source.
    public var sourceRetention: Int = 30 * 86_400
    /// Buckets/prefixes to sweep.
    public var watch: [WatchedLocation] = []
    /// Buckets/prefixes EDAL may act on (`EDAL_ALLOWED_BUCKETS`; by default the buckets of
    /// `EDAL_WATCH`; empty: every bucket).
    public var allowedBuckets = BucketAllowList([])
    /// Seconds between sweeps; 0 turns the sweep off.
    public var sweepInterval: Int = 900
    /// Seconds before the watermark a sweep looks back (late-arriving writes).
    public var sweepOverlap: Int = 900
    /// How far back the first sweep of a location looks, in seconds.
    public var sweepLookback: Int = 3600
    /// Seconds a claim is kept after it was last claimed (`EDAL_CLAIM_RETENTION`); `nil`: computed from the queues' retention
    /// and the sweep (`ClaimRetention`); 0: for ever.
    public var claimRetention: Int?
    /// Partition layout below each watched prefix, e.g. `*/*/%Y/%m/%d/%H/`; empty lists everything.
    public var sweepPartitions: String = ""
    /// Port of the `/metrics`, `/healthz`, `/readyz` listener; `nil`: no listener. 0 picks a free port.
    public var metricsPort: Int?
    /// `text` (default) or `json` (one JSON object per line, for log shippers).
    public var logFormat: String = "text"
    /// The account each bucket must belong to (`EDAL_EXPECTED_BUCKET_OWNER`), checked by S3 on every HEAD and listing.
    public var expectedBucketOwners = S3ExpectedBucketOwners.none
    /// Which user metadata signals carry (`EDAL_SIGNAL_METADATA`: comma-separated name globs).
    public var signalMetadata = SignalMetadataPolicy()
    /// Seconds one AWS request may take before it is abandoned and retried (long polls add their wait).
    public var awsRequestTimeout: Int = 30

    public init() {}

    public var lease: Duration { .seconds(leaseSeconds ?? visibilityTimeout) }

    /// Reads the `EDAL_*` variables over the defaults.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(SettingsError) -> WorkerSettings {
        var settings = WorkerSettings()
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws(SettingsError) -> Int? {
            guard let raw = value(name) else { return nil }
            guard let number = Int(raw), range.contains(number) else {
                throw SettingsError(setting: name, problem: "\(raw) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return number
        }
        if let queue = value("EDAL_QUEUE") { settings.queue = queue }
        if let stream = environment["EDAL_STREAM"] { settings.stream = stream.trimmingCharacters(in: .whitespaces) }
        if let fallback = environment["EDAL_FALLBACK_QUEUE"] { settings.fallbackQueue = fallback.trimmingCharacters(in: .whitespaces) }
        settings.storeURI = StateStoreFactory.configuredURI(environment: environment)
        // `EDAL_WORKERS` is the older name of the same setting, read when the new one is not set.
        if let loops = try integer("EDAL_RECEIVE_LOOPS", 1...256) {
            settings.receiveLoops = loops
        } else if let loops = try integer("EDAL_WORKERS", 1...256) {
            settings.receiveLoops = loops
        }
        if let inWork = try integer("EDAL_MAX_IN_WORK", 10...100_000) { settings.maximumMessagesInWork = inWork }
        if let visibility = try integer("EDAL_VISIBILITY_TIMEOUT", 2...43_200) { settings.visibilityTimeout = visibility }
        settings.leaseSeconds = try integer("EDAL_LEASE", 1...43_200)
        if let heads = try integer("EDAL_HEAD_CONCURRENCY", 1...1024) { settings.headConcurrency = heads }
        if let deadline = try integer("EDAL_SHUTDOWN_DEADLINE", 0...3600) { settings.shutdownDeadline = deadline }
        if let mode = value("EDAL_MODE") {
            guard let parsed = Signal.Mode(rawValue: mode) else {
                throw SettingsError(setting: "EDAL_MODE", problem: "\(mode) is neither anomalies nor continuous")
            }
            settings.mode = parsed
        }
        if let dedupe = value("EDAL_DEDUPE") {
            guard let parsed = DedupeScope(rawValue: dedupe) else {
                throw SettingsError(setting: "EDAL_DEDUPE", problem: "\(dedupe) is neither content nor version")
            }
            settings.dedupe = parsed
        }
        if let threshold = value("EDAL_SCORE_THRESHOLD") {
            guard let parsed = Double(threshold), parsed > 0, parsed <= 1 else {
                throw SettingsError(setting: "EDAL_SCORE_THRESHOLD", problem: "\(threshold) is not a score in (0, 1]")
            }
            settings.scoreThreshold = parsed
        }
        if let rules = value("EDAL_RULES") {
            do {
                settings.rules = try MetadataRule.parseList(rules)
            } catch {
                throw SettingsError(setting: "EDAL_RULES", problem: "\(error)")
            }
        }
        if let sources = value("EDAL_SOURCES") {
            do {
                settings.sources = try SourcePattern.parseList(sources)
            } catch {
                throw SettingsError(setting: "EDAL_SOURCES", problem: "\(error)")
            }
        }
        if let learning = try integer("EDAL_LEARNING_OBJECTS", 2...100_000) { settings.learningObjects = learning }
        if let bound = try integer("EDAL_MAX_SOURCES", 1...1_000_000) { settings.maximumSources = bound }
        if let factor = value("EDAL_SILENCE_FACTOR") {
            guard let parsed = Double(factor), parsed >= 1, parsed <= 1000 else {
                throw SettingsError(setting: "EDAL_SILENCE_FACTOR", problem: "\(factor) is not a number in 1…1000")
            }
            settings.silenceFactor = parsed
        }
        if let interval = try integer("EDAL_SILENCE_CHECK_INTERVAL", 1...86_400) { settings.silenceCheckInterval = interval }
        if let gap = try integer("EDAL_SILENCE_MINIMUM_GAP", 0...86_400) { settings.silenceMinimumGap = gap }
        if let interval = try integer("EDAL_SOURCE_SYNC_INTERVAL", 1...3600) { settings.sourceSyncInterval = interval }
        if let retention = try integer("EDAL_SOURCE_RETENTION", 0...(10 * 365 * 86_400)) { settings.sourceRetention = retention }
        if let watch = value("EDAL_WATCH") { settings.watch = try WatchedLocation.parseList(watch) }
        if let allowed = value("EDAL_ALLOWED_BUCKETS") {
            settings.allowedBuckets = BucketAllowList(try WatchedLocation.parseList(allowed, setting: "EDAL_ALLOWED_BUCKETS"))
        } else {
            var buckets: [String] = []
            for location in settings.watch where !buckets.contains(location.bucket) { buckets.append(location.bucket) }
            settings.allowedBuckets = BucketAllowList(buckets.map { WatchedLocation(bucket: $0) })
        }
        if let interval = try integer("EDAL_SWEEP_INTERVAL", 0...86_400 * 7) { settings.sweepInterval = interval }
        if let overlap = try integer("EDAL_SWEEP_OVERLAP", 0...86_400 * 7) { settings.sweepOverlap = overlap }
        settings.claimRetention = try integer("EDAL_CLAIM_RETENTION", 0...86_400 * 3660)
        if let lookback = try integer("EDAL_SWEEP_LOOKBACK", 0...86_400 * 366) { settings.sweepLookback = lookback }
        if let partitions = value("EDAL_SWEEP_PARTITIONS") { settings.sweepPartitions = partitions }
        settings.metricsPort = try integer("EDAL_METRICS_PORT", 0...65_535)
        if let timeout = try integer("EDAL_AWS_REQUEST_TIMEOUT", 1...600) { settings.awsRequestTimeout = timeout }
        if let owners = value("EDAL_EXPECTED_BUCKET_OWNER") {
            guard let parsed = S3ExpectedBucketOwners(parsing: owners) else {
                throw SettingsError(setting: "EDAL_EXPECTED_BUCKET_OWNER",
                                    problem: "\(owners) is neither a 12-digit account id nor bucket=account pairs, comma-separated")
            }
            settings.expectedBucketOwners = parsed
        }
        if let names = value("EDAL_SIGNAL_METADATA") {
            settings.signalMetadata = SignalMetadataPolicy(included: names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
        }
        if let format = value("EDAL_LOG_FORMAT") {
            guard ["text", "json"].contains(format) else {
                throw SettingsError(setting: "EDAL_LOG_FORMAT", problem: "\(format) is neither text nor json")
            }
            settings.logFormat = format
        }
        try settings.validate()
        return settings
    }

    /// Checks the values together (after flags are applied too).
    public func validate() throws(SettingsError) {
        guard !queue.isEmpty else { throw SettingsError(setting: "EDAL_QUEUE", problem: "the notification queue is required (a name or URL)") }
        guard !(stream.isEmpty && fallbackQueue.isEmpty) else {
            throw SettingsError(setting: "EDAL_STREAM", problem: "signals need somewhere to go: set EDAL_STREAM, EDAL_FALLBACK_QUEUE, or both")
        }
        for location in watch where !allowedBuckets.permits(bucket: location.bucket, key: location.prefix) {
            throw SettingsError(setting: "EDAL_ALLOWED_BUCKETS",
                                problem: "\(location) is watched (EDAL_WATCH) but not allowed; add it, or stop watching it")
        }
        if let leaseSeconds, leaseSeconds < 2 {
            throw SettingsError(setting: "EDAL_LEASE", problem: "a lease under 2 s cannot be renewed in time")
        }
        if !sweepPartitions.isEmpty {
            do {
                _ = try PartitionLayout(parsing: sweepPartitions)
            } catch {
                throw error
            }
        }
        do {
            _ = try StateStoreFactory.location(of: storeURI)
        } catch {
            throw SettingsError(setting: "EDAL_STATE_STORE_URI", problem: error.description)
        }
    }
}

extension WorkerSettings {
    /// The source registry these settings describe.
    public var sourceRegistry: SourceRegistry {
        var configuration = SourceDetector.Configuration()
        configuration.scoreThreshold = scoreThreshold
        configuration.rules = rules
        configuration.learningObjects = Int64(learningObjects)
        configuration.silenceFactor = silenceFactor
        configuration.silenceMinimumGap = Double(silenceMinimumGap)
        var registry = SourceRegistry(templater: KeyTemplater(configured: sources), detector: SourceDetector(configuration: configuration))
        registry.maximumSourcesPerBucket = maximumSources
        return registry
    }
}
