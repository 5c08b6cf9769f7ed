import ArgumentParser
import EDALWorker
import Logging

/// `edal run`: the long-running worker — the queue, the periodic sweep, and model refreshes.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume S3 notifications from SQS, score each new object's metadata, publish signals; sweep the watched buckets every 15 minutes."
    )

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let settings = try options.settings()
        try options.bootstrapLogging(format: settings.logFormat)
        let metrics = options.bootstrapMetrics(settings)
        let logger = Logger(label: "edal")
        let runtime: EDALRuntime
        do {
            runtime = try await EDALRuntime.start(settings: settings, aws: try options.awsConfiguration(), metrics: metrics?.1, logger: logger)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
        let shutdown = ShutdownSignal()
        let trap = SignalTrap(shutdown, logger: logger)
        await runtime.loadSources()
        let sweep = try runtime.sweep()
        logger.info("edal running", metadata: [
            "queue": "\(runtime.queueURL)", "store": "\(runtime.store.displayName)", "workers": "\(settings.workers)",
            "stream": "\(settings.stream)", "fallback": "\(runtime.fallbackQueueURL ?? "-")",
            "sweep": "\(sweep == nil || settings.sweepInterval == 0 ? "off" : "every \(settings.sweepInterval) s over \(settings.watch)")",
        ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let result = await runtime.worker().run(shutdown: shutdown)
                logger.info("worker stopped", metadata: ["objects": "\(result.counts.objects)", "deleted": "\(result.counts.messagesDeleted)"])
                shutdown.request()
            }
            if let sweep, settings.sweepInterval > 0 {
                group.addTask { await sweep.run(shutdown: shutdown) }
            }
            if let (registry, workerMetrics) = metrics, let port = settings.metricsPort {
                group.addTask {
                    let server = MetricsServer(port: port, registry: registry,
                                               beforeScrape: {
                                                   workerMetrics.sync(from: runtime.statistics.snapshot)
                                                   workerMetrics.sync(requests: runtime.client.requestCounts, retries: runtime.client.retryCounts)
                                               },
                                               readiness: { await runtime.readiness() })
                    do {
                        try await server.run(shutdown: shutdown) { bound in
                            logger.info("metrics listening", metadata: ["port": "\(bound)"])
                        }
                    } catch {
                        logger.error("cannot serve metrics; set EDAL_METRICS_PORT to a free port", metadata: ["error": "\(error)"])
                    }
                }
                group.addTask { await runtime.watchQueueDepth(shutdown: shutdown) }
            }
            group.addTask { await runtime.watchSources(shutdown: shutdown) }
        }
        await runtime.shutdown()
        withExtendedLifetime(trap) {}
    }
}
