import EDALWorker
import Logging
import ServiceLifecycle

/// One of EDAL's long-running parts (the queue worker, the sweep, a watcher, the metrics server) as a
/// ServiceLifecycle `Service`: it runs until its `ShutdownSignal` is set, and the group's graceful
/// shutdown (SIGTERM, SIGINT, or another service ending the group) sets it. The parts themselves
/// stay on `ShutdownSignal`, which the deterministic simulation drives in virtual time.
struct ShutdownSignalService: Service, CustomStringConvertible {
    let description: String
    /// Said when graceful shutdown begins (e.g. what the part does with the work in hand).
    var stoppingNotice: String?
    var logger: Logger
    let body: @Sendable (ShutdownSignal) async -> Void

    init(
        _ name: String, stoppingNotice: String? = nil, logger: Logger,
        body: @escaping @Sendable (ShutdownSignal) async -> Void
    ) {
        self.description = name
        self.stoppingNotice = stoppingNotice
        self.logger = logger
        self.body = body
    }

    func run() async {
        let shutdown = ShutdownSignal()
        await withGracefulShutdownHandler {
            await body(shutdown)
        } onGracefulShutdown: { [stoppingNotice, logger] in
            if let stoppingNotice { logger.notice("\(stoppingNotice)") }
            shutdown.request()
        }
    }
}

extension ServiceGroupConfiguration {
    /// EDAL's services: SIGTERM or SIGINT stops them gracefully, in reverse order (the worker first,
    /// the metrics listener last); graceful shutdown is cut off `deadline` plus 10 s after it began,
    /// by cancelling what still runs (its messages come back to the queue). A second signal changes
    /// nothing: ServiceLifecycle does not let one signal both stop and cancel.
    static func edal(_ services: [ServiceGroupConfiguration.ServiceConfiguration], deadline: Duration, logger: Logger)
        -> Self
    {
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        configuration.maximumGracefulShutdownDuration = deadline + .seconds(10)
        return configuration
    }
}
