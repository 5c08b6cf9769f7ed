import EDALAWS
import EDALDetection
import EDALState
import Foundation

/// Everything `edal run` / `edal drain` need beyond AWS credentials, from environment variables
/// (documented in docs/configuration.md) with command-line flags taking precedence. Validated as a whole
/// at start-up so a bad value stops the process with a clear message instead of failing later.
public struct WorkerSettings: Sendable, Equatable {
    /// The notification queue: a URL, or a name resolved with GetQueueUrl; or several, separated by
    /// commas (a queue per region: S3 notifies only a queue in its bucket's region).
    public var queue: String = "edal-notifications"

    /// `queue` split into its queues.
    public var queues: [String] {
        queue.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
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
    /// Where `/metrics`, `/healthz` and `/readyz` listen (`edal run`); `nil`: nowhere. Port 0 picks a free port.
    public var metricsAddress: ListenAddress? = ListenAddress(host: "0.0.0.0", port: 9464)
    /// Where the operator page and `/api/*` listen; `nil`: nowhere.
    public var operatorAddress: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 9465)
    /// The token the operator page asks for; `nil`: none (then it answers only requests addressed to
    /// an IP address or `localhost`).
    public var operatorToken: String?
    /// Seconds without progress, while the queue shows visible messages, after which `/healthz` fails.
    public var stallTimeout: Int = 180
    /// `text` (default) or `json` (one JSON object per line, for log shippers).
    public var logFormat: String = "text"
    /// `trace` … `critical`.
    public var logLevel: String = "info"
    /// Swift tasks on NIO's event loops (set at process start, before anything else runs).
    public var nioExecutor: Bool = true
    /// The account each bucket must belong to (`EDAL_EXPECTED_BUCKET_OWNER`), checked by S3 on every HEAD and listing.
    public var expectedBucketOwners = S3ExpectedBucketOwners.none
    /// The role each listed bucket's calls are made with (`EDAL_BUCKET_ROLES`).
    public var bucketRoles = BucketRoles()
    /// Which user metadata signals carry (`EDAL_SIGNAL_METADATA`: comma-separated name globs).
    public var signalMetadata = SignalMetadataPolicy()
    /// Seconds one AWS request may take before it is abandoned and retried (long polls add their wait).
    public var awsRequestTimeout: Int = 30
    /// How S3 is addressed; `nil`: path style with a configured endpoint, virtual-hosted on AWS.
    public var s3AddressingStyle: AWSConfiguration.S3AddressingStyle?

    public init() {}

    public var lease: Duration { .seconds(leaseSeconds ?? visibilityTimeout) }

    /// Reads the `EDAL_*` variables over the defaults, each as its declaration says
    /// (`WorkerSettings.declarations`), then checks them together.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(SettingsError) -> WorkerSettings
    {
        var settings = try reading(Set(declarations.map(\.variable)), environment: environment)
        // By default EDAL acts on the buckets it watches.
        if SettingDeclaration.text(of: "EDAL_ALLOWED_BUCKETS", in: environment, keepsEmpty: false) == nil {
            var buckets: [String] = []
            for location in settings.watch where !buckets.contains(location.bucket) { buckets.append(location.bucket) }
            settings.allowedBuckets = BucketAllowList(buckets.map { WatchedLocation(bucket: $0) })
        }
        try settings.validate()
        return settings
    }

    /// The defaults with only `variables` read from `environment` (for what must be known before
    /// the rest is parsed, such as `EDAL_NIO_EXECUTOR` at process start).
    public static func reading(
        _ variables: Set<String>, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) -> WorkerSettings {
        var settings = WorkerSettings()
        for declaration in declarations where variables.contains(declaration.variable) {
            guard let (text, name) = declaration.configured(in: environment) else { continue }
            do {
                try declaration.apply(text, &settings)
            } catch {
                // Named as the user spelt it (an older name too).
                throw SettingsError(setting: name, problem: error.problem)
            }
        }
        return settings
    }

    /// Where each setting's value comes from: `environment` (naming an older variable when that
    /// one was read) or `default`.
    public static func origins(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String:
        String]
    {
        var origins: [String: String] = [:]
        for declaration in declarations {
            switch declaration.configured(in: environment) {
            case (_, let name)? where name != declaration.variable:
                origins[declaration.variable] = "environment (\(name))"
            case .some: origins[declaration.variable] = "environment"
            case nil: origins[declaration.variable] = "default"
            }
        }
        return origins
    }

    /// Checks the values together (after flags are applied too).
    public func validate() throws(SettingsError) {
        guard !queues.isEmpty else {
            throw SettingsError(setting: "EDAL_QUEUE", problem: "the notification queue is required (a name or URL)")
        }
        guard !(stream.isEmpty && fallbackQueue.isEmpty) else {
            throw SettingsError(
                setting: "EDAL_STREAM",
                problem: "signals need somewhere to go: set EDAL_STREAM, EDAL_FALLBACK_QUEUE, or both")
        }
        for location in watch where !allowedBuckets.permits(bucket: location.bucket, key: location.prefix) {
            throw SettingsError(
                setting: "EDAL_ALLOWED_BUCKETS",
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
        var registry = SourceRegistry(
            templater: KeyTemplater(configured: sources), detector: SourceDetector(configuration: configuration))
        registry.maximumSourcesPerBucket = maximumSources
        return registry
    }
}
