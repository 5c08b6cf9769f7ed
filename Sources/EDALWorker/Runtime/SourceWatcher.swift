import EDALDetection
import Foundation
import Logging

/// Keeps this replica's sources in step with the others and signals silences, until shutdown:
/// every `syncInterval` it syncs the baselines with the store; under a lease the replicas share,
/// it checks for silent sources every `checkInterval` and at the moment a source's silence falls
/// due; every 10 minutes it forgets the sources silent for `retention`. On the way out, one last
/// sync. All on `clock`, so the simulation runs it in virtual time.
public struct SourceWatcher: Sendable {
    public var sources: SourceTracker
    /// Publishes what it finds (silences, resumptions learnt from other replicas).
    public var pipeline: ObjectPipeline
    public var syncInterval: Duration
    public var checkInterval: Duration
    /// `false` for `edal drain`: a backlog being worked off says nothing about silence now.
    public var checksSilence: Bool
    /// Sources that delivered nothing this long are forgotten; `nil` keeps them for ever.
    public var retention: Duration?
    public var forgetInterval: Duration = .seconds(600)
    public var clock: any WorkerClock = SystemClock()
    public var logger: Logger

    public init(
        sources: SourceTracker, pipeline: ObjectPipeline, syncInterval: Duration, checkInterval: Duration,
        checksSilence: Bool,
        retention: Duration?, logger: Logger = Logger(label: "edal.sources")
    ) {
        self.sources = sources
        self.pipeline = pipeline
        self.syncInterval = syncInterval
        self.checkInterval = checkInterval
        self.checksSilence = checksSilence
        self.retention = retention
        self.logger = logger
    }

    public func run(shutdown: ShutdownSignal) async {
        var lastCheck = clock.elapsed - checkInterval
        var lastSync = clock.elapsed
        var lastForget = clock.elapsed - forgetInterval
        let tick = checksSilence ? min(syncInterval, checkInterval) : syncInterval
        // The newest deadline already checked: one that passes unsignalled (another replica took
        // it, or the source spoke in time) is not woken for again.
        var handledDeadline = Date.distantPast
        while !shutdown.isRequested {
            if let observer = pipeline.statistics.observer {
                observer.sources(
                    byState: Dictionary(uniqueKeysWithValues: sources.countsByState.map { ($0.key.rawValue, $0.value) })
                )
            }
            var nap = tick
            let deadline = checksSilence ? sources.nextSilenceDue(after: handledDeadline) : nil
            if let deadline {
                nap = min(
                    nap, .milliseconds(max(50, Int64((deadline.timeIntervalSince(clock.now) * 1000).rounded(.up)) + 50))
                )
            }
            guard await shutdown.sleep(for: nap, clock: clock) else { break }
            var events: [SourceEvent] = []
            let now = clock.now
            let deadlinePassed = deadline.map { now >= $0 } ?? false
            let periodic = checksSilence && clock.elapsed - lastCheck >= checkInterval
            let silenceDue = periodic || deadlinePassed
            // The silence check needs what other replicas learnt: a sync before it, whatever the interval.
            if silenceDue || clock.elapsed - lastSync >= syncInterval {
                lastSync = clock.elapsed
                do {
                    events = try await sources.sync(now: now)
                } catch {
                    logger.notice("cannot sync source baselines; trying again", metadata: ["error": .error(error)])
                }
            }
            if let retention, clock.elapsed - lastForget >= forgetInterval {
                lastForget = clock.elapsed
                do {
                    try await sources.forgetSources(silentFor: retention, now: now)
                } catch {
                    logger.notice(
                        "cannot delete forgotten sources' baselines from the store; trying again later",
                        metadata: ["error": .error(error)])
                }
            }
            if silenceDue {
                if periodic { lastCheck = clock.elapsed }
                if deadlinePassed, let deadline { handledDeadline = deadline }
                if await sources.takeSilenceLease(
                    owner: pipeline.owner, now: now, interval: checkInterval, deadline: periodic ? nil : deadline)
                {
                    let silent = await sources.checkSilence(now: now)
                    for event in silent {
                        logger.notice(
                            "source silent",
                            metadata: ["source": "\(event.sourceId)", "detail": "\(event.finding.detail)"])
                    }
                    events += silent
                }
            }
            await pipeline.publishSourceEvents(events, via: "source_check")
            // Those no sink took before (here, or on a replica whose baselines this one read).
            await pipeline.publishUnpublishedSourceEvents()
        }
        await pipeline.publishSourceEvents((try? await sources.sync(now: clock.now)) ?? [], via: "source_check")
        // Events no sink took just now are kept with their baselines: save those too.
        if sources.hasUnpublished { _ = try? await sources.sync(now: clock.now) }
    }
}
