import EDALDetection
import Foundation
import Logging

@testable import EDALWorker

/// One seeded run of the whole worker against the simulated world: keys written (some twice, some
/// re-uploaded with the same bytes), notifications delivered late, twice and out of order, a
/// malformed body or two; the store, S3, Kinesis and the fallback queue down for a while; workers
/// killed at any suspension point and restarted. Then every fault heals, the fleet works off what
/// is left and stops, and the invariants are checked.
struct SimulationRun {
    struct Outcome {
        var seed: UInt64
        var violations: [String]
        var history: [String]
        var summary: String
    }

    let seed: UInt64
    /// Virtual seconds during which writes, faults and kills happen; then a healthy tail.
    var activeSeconds = 240
    var tailSeconds = 600

    func run() async -> Outcome {
        let scheduler = SimulationScheduler(seed: seed)
        let world = SimulatedWorld(scheduler: scheduler)
        let fleet = Fleet(world: world)

        // One bucket in three keeps versions.
        world.versioned = scheduler.random(3) == 0
        if world.versioned { scheduler.log("BUCKET versioned") }
        // Writes: 5–20 keys, each written 1–3 times; a rewrite has new bytes or (one in three) the same bytes.
        // One key in five is then deleted, and half of those written once more (maybe with the same bytes).
        let keyCount = 5 + scheduler.random(16)
        var writeCount = 0
        /// Writes `content` to `key` at `at` and sends its notification: late, sometimes twice, in any
        /// order, and one in ten never comes (the sweep must find those).
        func put(_ key: String, _ content: String?, at: Double) {
            scheduler.schedule(at: .milliseconds(Int64(at * 1000))) {
                let write = content.map { world.write(key: key, content: $0) } ?? world.delete(key: key)
                let lost = scheduler.random(10) == 0
                if lost { scheduler.log("LOST notification of \(key)@\(write.deleted ? "removed" : write.eTag)") }
                let copies = lost ? 0 : scheduler.random(5) == 0 ? 2 : 1
                for _ in 0..<copies {
                    world.willNotify(key, write)
                    scheduler.schedule(at: scheduler.now + .milliseconds(Int64(scheduler.random(8_000)))) {
                        world.notify([(key, write)])
                    }
                }
            }
        }
        for index in 0..<keyCount {
            let key = "logs/app/2027/01/15/\(String(format: "%02d", index % 24))/object-\(index).json"
            var at = Double(scheduler.random(activeSeconds * 1000)) / 1000
            var content = "content-\(index)-0"
            for version in 0..<(1 + scheduler.random(3)) {
                if version > 0 {
                    at += Double(scheduler.random(20_000)) / 1000
                    if scheduler.random(3) != 0 { content = "content-\(index)-\(version)" }
                }
                writeCount += 1
                put(key, content, at: at)
            }
            if scheduler.random(5) == 0 {
                at += Double(scheduler.random(20_000)) / 1000
                put(key, nil, at: at)
                if scheduler.random(2) == 0 {
                    at += Double(scheduler.random(20_000)) / 1000
                    if scheduler.random(3) != 0 { content = "content-\(index)-after-delete" }
                    writeCount += 1
                    put(key, content, at: at)
                }
            }
        }
        for _ in 0..<scheduler.random(3) {
            scheduler.schedule(at: .seconds(scheduler.random(activeSeconds))) { world.notify([], malformed: true) }
        }
        // Outages: each service down 0–2 times, for up to two minutes each.
        for service in SimulatedWorld.Service.allCases {
            for _ in 0..<scheduler.random(3) {
                let start = Duration.seconds(scheduler.random(activeSeconds))
                let length = Duration.seconds(1 + scheduler.random(120))
                world.outages[service, default: []].append(start..<(start + length))
                scheduler.log("OUTAGE \(service.rawValue) \(start) for \(length)")
            }
        }
        // The fleet: 1–3 workers; up to three kills, each followed by a restart.
        let workers = 1 + scheduler.random(3)
        for _ in 0..<workers { fleet.start() }
        for _ in 0..<scheduler.random(4) {
            let at = Duration.milliseconds(Int64(scheduler.random(activeSeconds * 1000)))
            scheduler.schedule(at: at) {
                guard let victim = fleet.randomLive() else { return }
                fleet.kill(victim)
                scheduler.schedule(at: scheduler.now + .seconds(1 + scheduler.random(30))) { fleet.start() }
            }
        }

        // Work, heal, work off the rest, stop.
        let end = Duration.seconds(activeSeconds + tailSeconds)
        scheduler.drive(until: end)
        scheduler.schedule(at: end) { fleet.stopAll() }
        scheduler.drive(until: end + .seconds(120))
        fleet.reapKilled()
        scheduler.drive(until: end + .seconds(240))

        var violations = world.allViolations
        let signals = world.allSignals
        // Every key's final content is signalled.
        for (key, history) in world.allWrites.sorted(by: { $0.key < $1.key }) {
            // A key deleted last has no content to signal.
            guard let final = history.last, !final.deleted else { continue }
            if !signals.contains(where: { $0.key == key && $0.eTag == final.eTag }) {
                violations.append("\(key): its final content \(final.eTag) was never signalled")
            }
        }
        // One id per content, one content per id.
        let idsByContent = Dictionary(grouping: signals, by: { "\($0.key)@\($0.eTag)" }).mapValues {
            Set($0.map(\.signalId))
        }
        for (content, ids) in idsByContent.sorted(by: { $0.key < $1.key }) where ids.count > 1 {
            violations.append("\(content) signalled under \(ids.count) ids")
        }
        // No good message in the dead-letter queue (at most three kills: four receives at most).
        for message in world.deadLetterMessages where !message.malformed {
            violations.append(
                "good message \(message.id) (\(message.records.map(\.key))) in the DLQ after \(message.receiveCount) receives"
            )
        }
        // Silences: the replicas share one baseline per source through the store and check under
        // one lease, so a source is signalled silent once per silence, and again only after it
        // delivered or a replica found it had (`resumed`; a replica whose view lags the others'
        // by a sync interval can call it silent just after another found it resumed, so the
        // silences are counted, not ordered). By design this holds only while the store and the
        // sinks answer: with the store down a replica signals a silence it cannot record (another
        // may signal it too), and a source event no sink takes is not retried — such runs are not
        // judged here. And a run whose objects could all belong to sources that left learning
        // ends in a silence in the healthy tail.
        let events = world.allSourceEvents
        let writeTimes = world.allWrites.values.flatMap { $0.filter { !$0.deleted }.map(\.at) }
        func outage(after start: Duration) -> Bool {
            [SimulatedWorld.Service.store, .kinesis, .fallback].contains { service in
                world.outages[service, default: []].contains { $0.upperBound >= start }
            }
        }
        for (source, own) in Dictionary(grouping: events.filter { $0.check == "silent_source" }, by: \.sourceId).sorted(
            by: { $0.key < $1.key })
        {
            guard let first = own.first?.at, !outage(after: first - .seconds(30)) else { continue }
            let resumed = events.filter { $0.check == "resumed" && $0.sourceId == source }.count
            let writtenAfter = writeTimes.filter { $0 > first - .seconds(60) }.count
            if own.count > 1 + resumed + writtenAfter {
                violations.append(
                    "\(source) signalled silent \(own.count) times (at \(own.map(\.at))), resumed \(resumed) times, \(writtenAfter) writes after the first"
                )
            }
        }
        let judged = Set(signals.map(\.signalId)).count
        let sources = max(1, events.filter { $0.check == "new_source" }.count)
        if judged >= 3 * Int(Fleet.learningObjects) * sources, !events.contains(where: { $0.check == "silent_source" })
        {
            violations.append(
                "\(judged) objects of \(sources) source(s) signalled, yet none was signalled silent in the \(tailSeconds) s after the writes"
            )
        }
        if world.queueDepth > 0 {
            violations.append("\(world.queueDepth) message(s) left in the queue after the fleet worked off everything")
        }
        if scheduler.sleeping > 0 && fleet.liveTasks > 0 {
            violations.append("\(fleet.liveTasks) worker(s) did not stop")
        }

        let summary =
            "seed \(seed): \(world.versioned ? "versioned" : "unversioned") bucket, \(keyCount) keys, \(writeCount) writes, \(workers) workers, \(fleet.kills) kills, "
            + "\(signals.count) signal records, \(world.allSourceEvents.count) source events, DLQ \(world.deadLetterMessages.count), outages "
            + SimulatedWorld.Service.allCases.map { "\($0.rawValue) \(world.outages[$0, default: []].count)" }.joined(
                separator: " ")
        return Outcome(seed: seed, violations: violations, history: scheduler.history, summary: summary)
    }
}

/// The worker processes of one run.
final class Fleet: @unchecked Sendable {
    struct Member {
        var port: WorkerPort
        var shutdown: ShutdownSignal
        var task: Task<Void, Never>
        var killed = false
    }

    static let learningObjects: Int64 = 4

    let world: SimulatedWorld
    private(set) var members: [Member] = []
    private(set) var kills = 0
    private var started = 0

    init(world: SimulatedWorld) {
        self.world = world
    }

    func start() {
        started += 1
        let scheduler = world.scheduler
        let port = WorkerPort(world: world, name: "w\(started)")
        // Each process's clock is off by up to a minute either way (NTP-less hosts, a VM resumed):
        // nothing that decides ownership or order may rest on it.
        var clock = SimulatedClock(scheduler: scheduler)
        clock.skew = Double(scheduler.random(121) - 60)
        port.clockSkew = clock.skew
        let quiet = Logger(label: "edal.simulation", factory: { _ in SwiftLogNoOpLogHandler() })
        var publisher = SignalPublisher(
            kinesis: port, sqs: port, streamName: "signals", fallbackQueueURL: "fallback", logger: quiet)
        publisher.clock = clock
        // Sources leave learning after 4 objects, so the writes make one that falls silent in the
        // healthy tail; baselines and the silence check's lease are shared through the store.
        var detector = SourceDetector.Configuration()
        detector.learningObjects = Fleet.learningObjects
        let sources = SourceTracker(
            registry: SourceRegistry(detector: SourceDetector(configuration: detector)), store: port, clock: clock,
            logger: quiet)
        var pipeline = ObjectPipeline(
            s3: port, store: port, publisher: publisher, sources: sources,
            mode: .continuous, statistics: WorkerStatistics(), owner: port.name, lease: .seconds(10),
            headConcurrency: 4, logger: quiet)
        pipeline.clock = clock
        var configuration = QueueWorkerConfiguration(
            queueURL: "queue", pollers: 2, maximumMessagesInWork: 20, visibilityTimeout: 10,
            waitTimeSeconds: 2, shutdownDeadline: .seconds(5))
        configuration.clock = clock
        let worker = QueueWorker(sqs: port, pipeline: pipeline, configuration: configuration, logger: quiet)
        // `edal run`'s sweep: every minute, a minute of overlap; replicas share it through leases.
        var sweep = Sweep(
            s3: port, store: port, pipeline: pipeline, locations: [WatchedLocation(bucket: world.bucket)],
            interval: .seconds(60), overlap: .seconds(Int64(world.sweepOverlap)), lookback: .seconds(3600),
            logger: quiet)
        sweep.clock = clock
        let sweeper = sweep
        // `edal run`'s source watcher: syncs every 5 s, checks silences every 10 s and when one falls due.
        var watcher = SourceWatcher(
            sources: sources, pipeline: pipeline, syncInterval: .seconds(5), checkInterval: .seconds(10),
            checksSilence: true, retention: nil, logger: quiet)
        watcher.clock = clock
        let watching = watcher
        let shutdown = ShutdownSignal()
        let task = Task(executorPreference: scheduler) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { _ = await worker.run(shutdown: shutdown) }
                group.addTask { await sweeper.run(shutdown: shutdown) }
                group.addTask { await watching.run(shutdown: shutdown) }
            }
        }
        members.append(Member(port: port, shutdown: shutdown, task: task))
        scheduler.log("START \(port.name) clock \(clock.skew >= 0 ? "+" : "")\(Int(clock.skew)) s")
    }

    func randomLive() -> Int? {
        let live = members.indices.filter { !members[$0].killed }
        return live.isEmpty ? nil : live[world.scheduler.random(live.count)]
    }

    /// Kills a worker process: from now on its calls fail without effect (one in flight may have
    /// had its effect), and its tasks are cancelled.
    func kill(_ index: Int) {
        kills += 1
        members[index].killed = true
        members[index].port.kill()
        members[index].task.cancel()
        world.scheduler.log("KILL \(members[index].port.name)")
    }

    func stopAll() {
        for member in members where !member.killed { member.shutdown.request() }
        world.scheduler.log("SHUTDOWN all")
    }

    /// Lets killed workers' tasks unwind (they can no longer reach any service).
    func reapKilled() {
        for member in members where member.killed { member.shutdown.request() }
    }

    var liveTasks: Int { members.filter { !$0.killed }.count }
}
