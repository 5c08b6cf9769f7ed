import ArgumentParser
import EDALWorker
import Logging
import ServiceLifecycle

/// `edal run`: the long-running worker — the queue, the periodic sweep, and model refreshes.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Consume S3 notifications from SQS, score each new object's metadata, publish signals; sweep the watched buckets every 15 minutes."
    )

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let settings = try options.settings()
        try options.bootstrapLogging(settings)
        let metrics = options.bootstrapMetrics(settings)
        let logger = Logger(label: "edal")
        let traces = try TraceExport.bootstrap()
        let runtime: EDALRuntime
        do {
            runtime = try await EDALRuntime.start(
                settings: settings, aws: try options.awsConfiguration(), metrics: metrics?.1, logger: logger)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
        await runtime.loadSources()
        let sweep = try runtime.sweep()
        logger.info(
            "edal running",
            metadata: [
                "queue": "\(runtime.queueURLs.joined(separator: ", "))", "store": "\(runtime.store.displayName)",
                "receive_loops": "\(settings.receiveLoops)",
                "stream": "\(settings.stream)", "fallback": "\(runtime.fallbackQueueURL ?? "-")",
                "sweep":
                    "\(sweep == nil || settings.sweepInterval == 0 ? "off" : "every \(settings.sweepInterval) s over \(settings.watch)")",
            ])
        // Started in this order, stopped in the reverse: the worker first, the metrics listener last
        // (so /healthz and /metrics answer while work in hand finishes).
        typealias Configured = ServiceGroupConfiguration.ServiceConfiguration
        // The span exporter first: it stops last, after the worker's last spans.
        var services: [Configured] = traces.map { [Configured(service: $0)] } ?? []
        if let (registry, workerMetrics) = metrics {
            let health = WorkerHealth(
                stallTimeout: .seconds(settings.stallTimeout),
                check: {
                    await runtime.readiness().map { OperatorSnapshot.Dependency(name: $0.name, problem: $0.problem) }
                },
                counts: { runtime.statistics.snapshot }, queueWaiting: { workerMetrics.lastLevels.queueWaiting })
            var listeners: [(listener: HTTPListener, setting: String)] = []
            if let address = settings.metricsAddress {
                let process = ProcessMetrics(version: EDALVersion.current)
                let server = MetricsServer(registry: registry, health: health) {
                    process.update()
                    workerMetrics.sync(from: runtime.statistics.snapshot)
                    workerMetrics.sync(requests: runtime.client.requestCounts, retries: runtime.client.retryCounts)
                }
                listeners.append(
                    (
                        HTTPListener(name: "metrics", address: address, logger: logger) {
                            await server.respond(to: $0)
                        },
                        "EDAL_METRICS_ADDRESS"
                    ))
            }
            if let address = settings.operatorAddress {
                let server = OperatorServer(
                    view: OperatorView(runtime: runtime, metrics: workerMetrics, health: health),
                    access: OperatorAccess(token: settings.operatorToken))
                listeners.append(
                    (
                        HTTPListener(name: "operator page", address: address, logger: logger) {
                            await server.respond(to: $0)
                        }, "EDAL_OPERATOR_ADDRESS"
                    ))
            }
            for (listener, setting) in listeners {
                services.append(
                    Configured(
                        service: ShutdownSignalService(listener.name, logger: logger) { shutdown in
                            do {
                                try await listener.run(shutdown: shutdown) { bound in
                                    logger.info(
                                        "\(listener.name) listening",
                                        metadata: [
                                            "listener": "\(listener.name)", "address": "\(listener.address.host)",
                                            "port": "\(bound)",
                                        ])
                                }
                            } catch {
                                logger.error(
                                    "cannot listen for the \(listener.name) on \(listener.address); set \(setting) to a free address or off",
                                    metadata: ["error": .error(error)])
                            }
                        }))
            }
            if let watcher = runtime.queueDepthWatcher() {
                services.append(
                    Configured(
                        service: ShutdownSignalService("queue depth", logger: logger) {
                            await watcher.run(shutdown: $0)
                        }))
            }
        }
        services.append(
            Configured(
                service: ShutdownSignalService("sources", logger: logger) {
                    await runtime.sourceWatcher().run(shutdown: $0)
                }))
        if let expiry = runtime.claimExpiry() {
            services.append(
                Configured(
                    service: ShutdownSignalService("claim expiry", logger: logger) { await expiry.run(shutdown: $0) }))
        }
        if let sweep, settings.sweepInterval > 0 {
            services.append(
                Configured(service: ShutdownSignalService("sweep", logger: logger) { await sweep.run(shutdown: $0) }))
        }
        // When the worker stops by itself, everything else stops too.
        services.append(
            Configured(
                service: ShutdownSignalService(
                    "worker", stoppingNotice: "stopping: no new messages; finishing work in progress", logger: logger
                ) { shutdown in
                    let result = await runtime.runWorkers(shutdown: shutdown)
                    logger.info(
                        "worker stopped",
                        metadata: [
                            "objects": "\(result.counts.objects)", "deleted": "\(result.counts.messagesDeleted)",
                        ])
                },
                successTerminationBehavior: .gracefullyShutdownGroup
            ))
        let group = ServiceGroup(
            configuration: .edal(services, deadline: .seconds(settings.shutdownDeadline), logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": .error(error)])
        }
        await runtime.shutdown()
    }
}
