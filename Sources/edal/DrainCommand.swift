import ArgumentParser
import EDALAWS
import EDALWorker
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// `edal drain`: works off the queue until it is empty, prints a summary, exits non-zero if anything was left undone.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract:
            "Process the notification queue until it is empty, then print a summary and exit (non-zero if work was left undone)."
    )

    @OptionGroup var options: WorkerOptions
    @Option(help: "Seconds without progress before giving up while messages remain.") var idleTimeout: Int = 90
    @Option(help: "Write the summary as JSON to this file as well.") var summaryJson: String?

    func run() async throws {
        let settings = try options.settings()
        try options.bootstrapLogging(settings)
        let (result, requests, retries, roundTrips) = try await Self.drainWithCosts(
            settings: settings, aws: try options.awsConfiguration(),
            idleTimeout: idleTimeout)
        let summary = DrainSummary(result: result, requests: requests, retries: retries, storeRoundTrips: roundTrips)
        summary.print()
        if let summaryJson {
            try summary.json().write(to: URL(fileURLWithPath: summaryJson))
        }
        if !result.isComplete { throw ExitCode(2) }
    }

    /// Drains with progress on standard error; shared with `edal replay`.
    static func drain(settings: WorkerSettings, aws: AWSConfiguration, idleTimeout: Int) async throws -> DrainResult {
        try await drainWithCosts(settings: settings, aws: aws, idleTimeout: idleTimeout).result
    }

    /// Drains and also answers the requests sent and retried by operation, and the store round trips.
    static func drainWithCosts(settings: WorkerSettings, aws: AWSConfiguration, idleTimeout: Int)
        async throws -> (
            result: DrainResult, requests: [String: Int], retries: [AWSRetry: Int], storeRoundTrips: UInt64
        )
    {
        let logger = Logger(label: "edal")
        let traces = try TraceExport.bootstrap()
        let runtime: EDALRuntime
        do {
            runtime = try await EDALRuntime.start(settings: settings, aws: aws, logger: logger)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
        await runtime.loadSources()
        let drain = QueueWorkerConfiguration.Drain(idleTimeout: .seconds(idleTimeout))
        // What the worker service answered (a service returns nothing itself).
        let outcome = NIOLockedValueBox<DrainResult?>(nil)
        typealias Configured = ServiceGroupConfiguration.ServiceConfiguration
        // The span exporter first: it stops last, after the worker's last spans.
        let services: [Configured] =
            (traces.map { [Configured(service: $0)] } ?? []) + [
                Configured(
                    service: ShutdownSignalService("progress", logger: logger) {
                        await DrainProgress(runtime: runtime).run(until: $0)
                    }),
                // Share what this drain learns with other replicas as it goes; a last sync at the end.
                Configured(
                    service: ShutdownSignalService("sources", logger: logger) {
                        await runtime.sourceWatcher(checksSilence: false).run(shutdown: $0)
                    }),
                // The queue worked off (or SIGTERM): everything else stops too.
                Configured(
                    service: ShutdownSignalService(
                        "worker", stoppingNotice: "stopping: no new messages; finishing work in progress",
                        logger: logger
                    ) { shutdown in
                        let result = await runtime.runWorkers(drain: drain, shutdown: shutdown)
                        outcome.withLockedValue { $0 = result }
                    },
                    successTerminationBehavior: .gracefullyShutdownGroup
                ),
            ]
        do {
            try await ServiceGroup(
                configuration: .edal(services, deadline: .seconds(settings.shutdownDeadline), logger: logger)
            ).run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": .error(error)])
        }
        let result = outcome.withLockedValue { $0 }
        let requests = runtime.client.requestCounts
        let retries = runtime.client.retryCounts
        let roundTrips = runtime.store.roundTrips
        await runtime.shutdown()
        guard let result else { throw ExitCode(1) }
        return (result, requests, retries, roundTrips)
    }
}

/// Remaining messages, rate and ETA while draining: a bar on a terminal, a log line every 10 s otherwise.
struct DrainProgress: Sendable {
    var runtime: EDALRuntime

    func run(until finished: ShutdownSignal) async {
        let isTerminal = isatty(STDERR_FILENO) == 1
        let started = ContinuousClock.now
        var lastLog = ContinuousClock.now
        var remaining: Int?
        var tick = 0
        while await finished.sleep(for: .seconds(1)) {
            tick += 1
            let counted = [
                SQSQueueAttribute.approximateNumberOfMessages, SQSQueueAttribute.approximateNumberOfMessagesNotVisible,
            ]
            if tick % 2 == 1,
                let attributes = try? await runtime.sqs.getQueueAttributes(runtime.queueURL, names: counted)
            {
                remaining = counted.compactMap { attributes[$0].flatMap { Int($0) } }.reduce(0, +)
            }
            let counts = runtime.statistics.snapshot
            let elapsed = (ContinuousClock.now - started).seconds
            let rate = Double(counts.messagesDeleted) / max(elapsed, 0.001)
            let eta = remaining.map { rate > 0 ? String(format: "%.0f s", Double($0) / rate) : "?" } ?? "?"
            let line = String(
                format: "%d messages done, %@ left, %.0f msg/s (%.0f objects/s), ETA %@",
                counts.messagesDeleted, remaining.map(String.init) ?? "?", rate,
                Double(counts.objects) / max(elapsed, 0.001), eta)
            if isTerminal {
                FileHandle.standardError.write(Data("\r\(line)   ".utf8))
            } else if ContinuousClock.now - lastLog >= .seconds(10) {
                lastLog = .now
                FileHandle.standardError.write(Data("edal drain: \(line)\n".utf8))
            }
        }
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
