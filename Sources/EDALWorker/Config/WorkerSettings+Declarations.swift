import EDALAWS
import EDALDetection
import EDALState

extension WorkerSettings {
    /// Every `EDAL_*` setting of the worker, in the order docs/configuration.md lists them.
    public static let declarations: [SettingDeclaration] = [
        SettingDeclaration(
            "EDAL_STATE_STORE_URI", default: "`sqlite:edal-state.db`",
            "the state store: `mongodb://host[,host…]/database[?options]` (or `mongodb+srv://`) for a fleet, `sqlite:PATH` for one host (see [State store](state-store.md)); shown with its password replaced by `***`",
            current: { StateStoreFactory.redacted($0.storeURI) }
        ) { text, settings throws(SettingsError) in
            do { _ = try StateStoreFactory.location(of: text) } catch {
                throw SettingsError(setting: "EDAL_STATE_STORE_URI", problem: "\(error)")
            }
            settings.storeURI = text
        },
        SettingDeclaration(
            "EDAL_QUEUE", default: "`edal-notifications`",
            "the notification queue, a name or a URL; or several, separated by commas (one per region: S3 notifies only a queue in its bucket's region; each queue's calls are signed for the region its URL names)",
            current: { $0.queue }
        ) { text, settings in settings.queue = text },
        SettingDeclaration(
            "EDAL_STREAM", default: "`edal-signals`", "the Kinesis stream for signals; empty: fallback queue only",
            keepsEmpty: true, current: { $0.stream.isEmpty ? "(none)" : $0.stream }
        ) { text, settings in settings.stream = text },
        SettingDeclaration(
            "EDAL_FALLBACK_QUEUE", default: "`edal-signals-fallback`",
            "SQS queue (name or URL) for signals Kinesis refuses; empty: none", keepsEmpty: true,
            current: { $0.fallbackQueue.isEmpty ? "(none)" : $0.fallbackQueue }
        ) { text, settings in settings.fallbackQueue = text },
        .integer(
            "EDAL_RECEIVE_LOOPS", formerName: "EDAL_WORKERS", 1...256, default: "`4`",
            "receive loops: tasks that each long-poll the queue for up to 10 messages and work them off (`EDAL_WORKERS`, its older name, is read when it is not set)",
            \.receiveLoops),
        .integer(
            "EDAL_MAX_IN_WORK", 10...100_000, default: "`200`",
            "messages in work at most; receiving pauses beyond (back-pressure)", \.maximumMessagesInWork),
        .integer(
            "EDAL_VISIBILITY_TIMEOUT", 2...43_200, default: "`30`",
            "seconds a received message stays hidden; extended every half timeout while its work goes on",
            \.visibilityTimeout),
        .optionalInteger(
            "EDAL_LEASE", 1...43_200, default: "the visibility timeout",
            "seconds a claim is held before another worker may take it over (renewed while working)", \.leaseSeconds),
        SettingDeclaration(
            "EDAL_DEDUPE", default: "`content`",
            "`content`: one signal per bucket + key + ETag (the same bytes re-uploaded are a duplicate); `version`: one per write (version id, or a later LastModified)",
            current: { $0.dedupe.rawValue }
        ) { text, settings throws(SettingsError) in
            guard let parsed = DedupeScope(rawValue: text) else {
                throw SettingsError(setting: "EDAL_DEDUPE", problem: "\(text) is neither content nor version")
            }
            settings.dedupe = parsed
        },
        .integer(
            "EDAL_HEAD_CONCURRENCY", 1...1024, default: "`16`", "HEAD requests in flight per batch", \.headConcurrency),
        .integer(
            "EDAL_SHUTDOWN_DEADLINE", 0...3600, default: "`20`",
            "seconds in-flight work may take after SIGTERM/SIGINT (everything still running 10 s later is cancelled)",
            \.shutdownDeadline),
        SettingDeclaration(
            "EDAL_MODE", default: "`anomalies`",
            "`anomalies`: signals for anomalous objects and source events; `continuous`: a signal for every object too",
            current: { $0.mode.rawValue }
        ) { text, settings throws(SettingsError) in
            guard let parsed = Signal.Mode(rawValue: text) else {
                throw SettingsError(setting: "EDAL_MODE", problem: "\(text) is neither anomalies nor continuous")
            }
            settings.mode = parsed
        },
        SettingDeclaration(
            "EDAL_SOURCES", default: "none",
            "sources named by pattern where the learnt template is wrong: `name=glob; name2=glob2` (`*` within a key segment, `**` across)",
            current: { $0.sources.isEmpty ? "none" : "\($0.sources.count) pattern(s)" }
        ) { text, settings throws(SettingsError) in
            do { settings.sources = try SourcePattern.parseList(text) } catch {
                throw SettingsError(setting: "EDAL_SOURCES", problem: "\(error)")
            }
        },
        .integer(
            "EDAL_MAX_SOURCES", 1...1_000_000, default: "`10000`",
            "sources per bucket at most; objects of key templates never seen past it are judged together under `{other}`, announced once (`source_storm`)",
            \.maximumSources),
        .integer(
            "EDAL_LEARNING_OBJECTS", 2...100_000, default: "`24`",
            "objects a new source delivers before it is judged (its learning period)", \.learningObjects),
        SettingDeclaration(
            "EDAL_SILENCE_FACTOR", default: "`3`",
            "a source is silent after this many usual intervals without an object (the usual interval: the median gap between its deliveries; at least 1.5 × its 95th-percentile gap, so an irregular source is not called silent on its median), plus how far behind S3 this worker has been (the largest LastModified-to-seen delay of its last 64 objects, + 1 s): a worker behind its queue does not call its sources silent",
            current: { String($0.silenceFactor) }
        ) { text, settings throws(SettingsError) in
            settings.silenceFactor = try SettingDeclaration.parseNumber(
                text, 1...1000, "EDAL_SILENCE_FACTOR", "a number in 1…1000")
        },
        .integer(
            "EDAL_SILENCE_MINIMUM_GAP", 0...86_400, default: "`60`",
            "seconds: the usual interval a silence is measured against is at least this (a source whose objects came all at once, as in a bulk upload, has no cadence to fall silent from)",
            \.silenceMinimumGap),
        .integer(
            "EDAL_SILENCE_CHECK_INTERVAL", 1...86_400, default: "`60`",
            "seconds between periodic silence checks (`edal run`; one replica at a time, under a lease in the store); besides these, each replica wakes at the moment the next source's silence falls due, so the interval bounds only how late a silence learnt from another replica is seen",
            \.silenceCheckInterval),
        .integer(
            "EDAL_SOURCE_RETENTION", 0...(10 * 365 * 86_400), default: "`2592000` (30 days)",
            "seconds a source may deliver nothing before its baseline is forgotten, by every replica and in the store (checked every 10 minutes by `edal run`); if it delivers again after that it is a new source, announced and learnt afresh. `0` keeps every source for ever",
            \.sourceRetention),
        .integer(
            "EDAL_SOURCE_SYNC_INTERVAL", 1...3600, default: "`15`",
            "seconds between writes and reads of the shared source baselines (each write JSON-encodes every changed baseline: shorter shares learning sooner, longer costs less CPU; new sources and silences are written at once regardless)",
            \.sourceSyncInterval),
        SettingDeclaration(
            "EDAL_SCORE_THRESHOLD", default: "`0.76`",
            "IsolationForest score at or above which an object of a source with numeric metadata is an outlier",
            current: { String($0.scoreThreshold) }
        ) { text, settings throws(SettingsError) in
            guard let parsed = Double(text), parsed > 0, parsed <= 1 else {
                throw SettingsError(setting: "EDAL_SCORE_THRESHOLD", problem: "\(text) is not a score in (0, 1]")
            }
            settings.scoreThreshold = parsed
        },
        SettingDeclaration(
            "EDAL_RULES", default: "none",
            "fixed thresholds on metadata, e.g. `logs:error-rate > 0.05; size > 1000000000` (`kind:` is the object's `kind` metadata or first key segment)",
            current: { $0.rules.isEmpty ? "none" : "\($0.rules.count) rule(s)" }
        ) { text, settings throws(SettingsError) in
            do { settings.rules = try MetadataRule.parseList(text) } catch {
                throw SettingsError(setting: "EDAL_RULES", problem: "\(error)")
            }
        },
        SettingDeclaration(
            "EDAL_WATCH", default: "none", "`bucket[/prefix]`, comma-separated: what the sweep lists",
            current: { $0.watch.isEmpty ? "none" : $0.watch.map(\.description).joined(separator: ",") }
        ) { text, settings throws(SettingsError) in
            settings.watch = try WatchedLocation.parseList(text)
        },
        SettingDeclaration(
            "EDAL_EXPECTED_BUCKET_OWNER", default: "none",
            "a 12-digit account id (every bucket), or `bucket=account` pairs, comma-separated: sent as `x-amz-expected-bucket-owner` on every `HEAD` and listing, so S3 refuses (403) a bucket that changed hands; an EventBridge notification naming another account is rejected before any request. A refused `HEAD` (this, or a missing permission) is logged as an error, counted (`edal_rejected_records_total{reason=\"head_refused\"}`) and not retried in place: its message goes back to the queue and, after `maxReceiveCount` receives, to the DLQ",
            current: { $0.expectedBucketOwners == .none ? "none" : "set" }
        ) { text, settings throws(SettingsError) in
            guard let parsed = S3ExpectedBucketOwners(parsing: text) else {
                throw SettingsError(
                    setting: "EDAL_EXPECTED_BUCKET_OWNER",
                    problem: "\(text) is neither a 12-digit account id nor bucket=account pairs, comma-separated")
            }
            settings.expectedBucketOwners = parsed
        },
        SettingDeclaration(
            "EDAL_BUCKET_ROLES", default: "none",
            "`bucket=arn:aws:iam::123456789012:role/name` pairs, comma-separated: each listed bucket's S3 calls (`HEAD`, the sweep's listing) are signed with that role, assumed through STS with the worker's own credentials and assumed again before the session ends (a role in the account that owns the bucket, trusting the worker's role). Every other call (SQS, Kinesis, the store, unlisted buckets) uses the worker's own credentials. A role that cannot be assumed is an error naming the bucket and the role; the bucket's messages stay in the queue",
            current: { $0.bucketRoles.roles.isEmpty ? "none" : "\($0.bucketRoles.roles.count) bucket(s)" }
        ) { text, settings throws(SettingsError) in
            settings.bucketRoles = try BucketRoles.parse(text).get()
        },
        SettingDeclaration(
            "EDAL_SIGNAL_METADATA", default: "`*`",
            "comma-separated name globs: which `x-amz-meta-*` entries a signal's evidence carries. Names that look like secrets (`*token*`, `*secret*`, `*password*`, `*passwd*`, `*key*`, `*credential*`, `*session*`, `authorization`, `cookie`) keep their place with the value `[redacted]` whatever the globs say; values are cut at 256 bytes, at most 32 entries. A signal is at most 64 KiB encoded: one that would be larger (keys of escaped characters, long metadata, many reasons) is published without its metadata and with 4 reasons, their text cut to 128 bytes",
            current: { $0.signalMetadata.included.joined(separator: ",") }
        ) { text, settings in
            settings.signalMetadata = SignalMetadataPolicy(
                included: text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                    !$0.isEmpty
                })
        },
        .optionalInteger(
            "EDAL_CLAIM_RETENTION", 0...86_400 * 3660, default: "computed",
            "seconds a claim is kept after it was last claimed; by default the queue's retention + the dead-letter queue's + the sweep horizon + a day (see [State store](state-store.md)); `0`: for ever",
            \.claimRetention),
        SettingDeclaration(
            "EDAL_ALLOWED_BUCKETS", default: "the buckets of `EDAL_WATCH`",
            "`bucket[/prefix]`, comma-separated: the only buckets EDAL acts on; a notification for any other goes to the DLQ unread (anyone who can send to the queue can name any bucket). With neither setting EDAL acts on every bucket and warns at start-up",
            current: { $0.allowedBuckets.isOpen ? "every bucket" : $0.allowedBuckets.description }
        ) { text, settings throws(SettingsError) in
            settings.allowedBuckets = BucketAllowList(
                try WatchedLocation.parseList(text, setting: "EDAL_ALLOWED_BUCKETS"))
        },
        .integer(
            "EDAL_SWEEP_INTERVAL", 0...86_400 * 7, default: "`900`",
            "seconds between sweeps (`edal run`); `0` turns the sweep off", \.sweepInterval),
        .integer(
            "EDAL_SWEEP_OVERLAP", 0...86_400 * 7, default: "`900`",
            "seconds before the watermark a sweep looks back (late writes)", \.sweepOverlap),
        .integer(
            "EDAL_SWEEP_LOOKBACK", 0...86_400 * 366, default: "`3600`",
            "how far back the first sweep of a location looks", \.sweepLookback),
        SettingDeclaration(
            "EDAL_SWEEP_PARTITIONS", default: "none",
            "key layout below each watched prefix, e.g. `*/*/%Y/%m/%d/%H/`, so a sweep lists only recent partitions",
            current: { $0.sweepPartitions.isEmpty ? "none" : $0.sweepPartitions }
        ) { text, settings in
            settings.sweepPartitions = text
        },
        .choice(
            "EDAL_LOG_LEVEL", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "`info`",
            "`trace` … `critical` (logs go to standard error)", \.logLevel),
        .integer(
            "EDAL_AWS_REQUEST_TIMEOUT", 1...600, default: "`30`",
            "seconds one AWS request may take before it is abandoned and retried (long polls add their 20 s wait)",
            \.awsRequestTimeout),
        SettingDeclaration(
            "EDAL_S3_ADDRESSING_STYLE", default: "`auto`",
            "`path`, `virtual` or `auto`: `auto` uses path style with a configured S3 endpoint (emulators) and virtual-hosted style on AWS",
            current: { $0.s3AddressingStyle?.rawValue ?? "auto" }
        ) { text, settings throws(SettingsError) in
            switch text.lowercased() {
            case "path": settings.s3AddressingStyle = .path
            case "virtual", "virtual-hosted": settings.s3AddressingStyle = .virtualHosted
            case "auto": settings.s3AddressingStyle = nil
            default:
                throw SettingsError(
                    setting: "EDAL_S3_ADDRESSING_STYLE", problem: "\(text) is not one of path, virtual, auto")
            }
        },
        SettingDeclaration(
            "EDAL_NIO_EXECUTOR", default: "`1`",
            "`0`: run Swift tasks on Swift's own thread pool instead of NIO's event loops (about 20 % more CPU per object; see [Performance](performance.md))",
            current: { $0.nioExecutor ? "1" : "0" }
        ) { text, settings throws(SettingsError) in
            guard text == "0" || text == "1" else {
                throw SettingsError(setting: "EDAL_NIO_EXECUTOR", problem: "\(text) is neither 0 nor 1")
            }
            settings.nioExecutor = text == "1"
        },
        .choice(
            "EDAL_LOG_FORMAT", ["text", "json"], default: "`text`",
            "`json`: one JSON object per line (see [Deploying the fleet](operations.md#deploying-the-fleet))",
            \.logFormat),
        .address(
            "EDAL_METRICS_ADDRESS", formerName: "EDAL_METRICS_PORT", default: "`0.0.0.0:9464`",
            "where `/metrics`, `/healthz` and `/readyz` listen (`edal run`): `HOST:PORT`, a bare `PORT` (all interfaces), or `off`; port `0` picks a free one and logs it (`EDAL_METRICS_PORT`, its older name, is read when it is not set)",
            \.metricsAddress),
        .address(
            "EDAL_OPERATOR_ADDRESS", default: "`127.0.0.1:9465`",
            "where the [operator page](operations.md#the-operator-page) and its `/api/…` listen (`edal run`): `HOST:PORT`, or `off`. It shows keys, ETags and reasons: keep it on loopback (`kubectl port-forward`) or set `EDAL_OPERATOR_TOKEN`",
            \.operatorAddress),
        SettingDeclaration(
            "EDAL_OPERATOR_TOKEN", default: "none",
            "a token the operator page asks for (`Authorization: Bearer TOKEN`, or as the password a browser prompts for). Without one the page answers only requests addressed to an IP address or `localhost`; shown as `***`",
            current: { $0.operatorToken == nil ? "none" : "***" }
        ) { text, settings throws(SettingsError) in
            guard text.utf8.count >= 16 else {
                throw SettingsError(setting: "EDAL_OPERATOR_TOKEN", problem: "use at least 16 characters")
            }
            settings.operatorToken = text
        },
        .integer(
            "EDAL_STALL_TIMEOUT", 30...86_400, default: "`180`",
            "seconds with no receive answered and no message finished, while the queue shows visible messages, after which `/healthz` fails (the receive loops are stuck; a restart helps)",
            \.stallTimeout),
    ]

    /// The worker table of docs/configuration.md, as the declarations say it (a test compares the
    /// file with it; `edal config --markdown` prints it).
    public static var markdownTable: String {
        var lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
        for declaration in declarations {
            lines.append("| `\(declaration.variable)` | \(declaration.defaultText) | \(declaration.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
