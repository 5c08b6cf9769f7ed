import ArgumentParser
import EDALAWS
import EDALWorker
import Foundation
import Logging
import Metrics
import Prometheus

/// Flags shared by `run`, `drain` and `sweep`; each overrides its `EDAL_*` environment variable.
struct WorkerOptions: ParsableArguments {
    @Option(help: "Notification queue name or URL (EDAL_QUEUE).") var queue: String?
    @Option(help: "Kinesis stream for signals; \"\" for none (EDAL_STREAM).") var stream: String?
    @Option(help: "Fallback SQS queue for signals, name or URL; \"\" for none (EDAL_FALLBACK_QUEUE).")
    var fallbackQueue: String?
    @Option(help: "State store: mongodb://host/db or sqlite:PATH (EDAL_STATE_STORE_URI).") var store: String?
    @Option(
        name: [.customLong("receive-loops"), .customLong("workers")],
        help: "Receive loops, each long-polling the queue (EDAL_RECEIVE_LOOPS).") var receiveLoops: Int?
    @Option(help: "Visibility timeout in seconds, extended while work goes on (EDAL_VISIBILITY_TIMEOUT).")
    var visibilityTimeout: Int?
    @Option(help: "anomalies or continuous (EDAL_MODE).") var mode: String?
    @Option(help: "Buckets/prefixes to sweep and train on, comma-separated: bucket[/prefix] (EDAL_WATCH).") var watch:
        String?
    @Option(help: "Seconds between sweeps, 0 for none (EDAL_SWEEP_INTERVAL).") var sweepInterval: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error (EDAL_LOG_LEVEL).") var logLevel: String?
    @Option(help: "Where /metrics, /healthz, /readyz listen: HOST:PORT, PORT or off (EDAL_METRICS_ADDRESS).")
    var metricsAddress: String?

    /// The environment's settings with these flags applied, validated.
    func settings() throws -> WorkerSettings {
        var environment = ProcessInfo.processInfo.environment
        func set(_ name: String, _ value: String?) { if let value { environment[name] = value } }
        set("EDAL_QUEUE", queue)
        set("EDAL_STATE_STORE_URI", store)
        set("EDAL_RECEIVE_LOOPS", receiveLoops.map(String.init))
        set("EDAL_VISIBILITY_TIMEOUT", visibilityTimeout.map(String.init))
        set("EDAL_MODE", mode)
        set("EDAL_WATCH", watch)
        set("EDAL_SWEEP_INTERVAL", sweepInterval.map(String.init))
        set("EDAL_METRICS_ADDRESS", metricsAddress)
        set("EDAL_LOG_LEVEL", logLevel)
        var settings: WorkerSettings
        do {
            settings = try WorkerSettings.fromEnvironment(environment)
            // "" is meaningful for these two (turns the sink off), so they bypass the environment's trimming of empties.
            if let stream { settings.stream = stream }
            if let fallbackQueue { settings.fallbackQueue = fallbackQueue }
            try settings.validate()
        } catch {
            throw ValidationError(error.description)
        }
        return settings
    }

    /// Sets up logging to standard error at the settings' level, as text or JSON lines.
    func bootstrapLogging(_ settings: WorkerSettings) throws {
        guard let level = Logger.Level(rawValue: settings.logLevel) else {
            throw ValidationError(
                "EDAL_LOG_LEVEL: \(settings.logLevel) is not one of trace, debug, info, notice, warning, error, critical"
            )
        }
        // With traces exported, each line carries the trace and span it was written in.
        let traces = TraceExport.requested() ? TraceLogMetadata.provider : nil
        if settings.logFormat == "json" {
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = JSONLogHandler(label: label, level: level)
                    handler.metadataProvider = provider
                    return handler
                }, metadataProvider: traces)
        } else {
            LoggingSystem.bootstrap(
                { label, provider in
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: traces)
        }
    }

    /// With a metrics or operator listener: a Prometheus registry behind swift-metrics, and the
    /// worker's metrics on it.
    func bootstrapMetrics(_ settings: WorkerSettings) -> (PrometheusCollectorRegistry, WorkerMetrics)? {
        guard settings.metricsAddress != nil || settings.operatorAddress != nil else { return nil }
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A notification's age at receipt runs to hours when the fleet falls behind (the alert rules
        // in infra/observability read its 99th percentile); the default buckets stop at 10 s.
        factory.durationHistogramBuckets["edal_sqs_lag_seconds"] = [
            1, 5, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 86_400,
        ]
        .map { Duration.seconds($0) }
        MetricsSystem.bootstrap(factory)
        return (registry, WorkerMetrics(maximumMessagesInWork: settings.maximumMessagesInWork))
    }

    /// Resolves AWS settings or explains what is missing.
    func awsConfiguration() throws -> AWSConfiguration {
        try resolvedAWSConfiguration()
    }
}

/// The AWS configuration from the environment and ~/.aws; a missing piece becomes a usage error
/// naming what to set. Every command that talks to AWS starts here.
func resolvedAWSConfiguration() throws -> AWSConfiguration {
    do {
        let style = try WorkerSettings.reading(["EDAL_S3_ADDRESSING_STYLE"]).s3AddressingStyle
        return try AWSConfiguration.resolve(s3AddressingStyle: style)
    } catch let error as SettingsError {
        throw ValidationError(error.description)
    } catch {
        throw ValidationError("\(error)")
    }
}
