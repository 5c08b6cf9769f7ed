import EDALWorker
import Foundation
import NIOConcurrencyHelpers

/// The deterministic simulation's scheduler: a task executor that runs one job at a time, picked by
/// a seeded generator from those ready, on the thread that drives it; and virtual time that moves
/// only when nothing is ready — to the next sleeper's wake-up or the next scheduled harness action.
///
/// Every task of the worker under test (its receive loops, batch tasks, heartbeats, lease
/// renewals, HEAD fan-out) runs here through the task-executor preference it inherits, and every
/// sleep goes through `SimulatedClock`; so a seed fixes the whole interleaving, and the same seed
/// replays the same history.
final class SimulationScheduler: TaskExecutor, @unchecked Sendable {
    private struct Sleeper {
        var wake: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NIOLock()
    private var ready: [UnownedJob] = []
    private var sleepers: [Int: Sleeper] = [:]
    private var actions: [(at: Duration, order: Int, run: () -> Void)] = []
    private var nextId = 0
    private var generator: SplitMix64
    /// Virtual time since the simulation started.
    private(set) var now: Duration = .zero
    /// Wall time at virtual time zero.
    let epoch = Date(timeIntervalSince1970: 1_800_000_000)
    /// What happened, in order: the history printed for a failing seed.
    private(set) var history: [String] = []

    init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        lock.withLock { ready.append(job) }
    }

    /// A seeded number in `0..<bound`.
    func random(_ bound: Int) -> Int {
        lock.withLock { Int(generator.next() % UInt64(max(1, bound))) }
    }

    /// A seeded number in `0..<1`.
    func unit() -> Double {
        lock.withLock { Double(generator.next() >> 11) / Double(1 << 53) }
    }

    func log(_ line: String) {
        let stamp = String(format: "%9.3f", Double(now.components.seconds) + Double(now.components.attoseconds) * 1e-18)
        lock.withLock { history.append("\(stamp) \(line)") }
    }

    /// Runs `action` on the driving thread when virtual time reaches `at`.
    func schedule(at: Duration, _ action: @escaping () -> Void) {
        lock.withLock {
            nextId += 1
            actions.append((at, nextId, action))
        }
    }

    /// Suspends the calling task for `duration` of virtual time; throws when it is cancelled first.
    func sleep(for duration: Duration) async throws {
        let id = lock.withLock { () -> Int in
            nextId += 1
            return nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = lock.withLock { () -> Bool in
                    if Task.isCancelled { return true }
                    sleepers[id] = Sleeper(wake: now + max(duration, .zero), continuation: continuation)
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs ready jobs (in seeded order) and moves virtual time, until nothing is ready or
    /// sleeping before `limit`. Answers the number of jobs run.
    @discardableResult
    func drive(until limit: Duration) -> Int {
        var ran = 0
        while true {
            let job: UnownedJob? = lock.withLock {
                guard !ready.isEmpty else { return nil }
                return ready.remove(at: Int(generator.next() % UInt64(ready.count)))
            }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
                ran += 1
                continue
            }
            // Nothing ready: the next event in virtual time.
            enum Next {
                case sleeper(Int)
                case action(Int)
                case none
            }
            let next: Next = lock.withLock {
                // Plain loops, not `min(by:)` over tuples: this runs between every two events, and in a
                // debug build the tuple comparisons cost a third of the simulation's time.
                var sleeper: (id: Int, wake: Duration)?
                for (id, candidate) in sleepers {
                    if let best = sleeper, candidate.wake > best.wake || (candidate.wake == best.wake && id > best.id) {
                        continue
                    }
                    sleeper = (id, candidate.wake)
                }
                var action: Int?
                for index in actions.indices {
                    if let best = action,
                        actions[index].at > actions[best].at
                            || (actions[index].at == actions[best].at && actions[index].order > actions[best].order)
                    {
                        continue
                    }
                    action = index
                }
                switch (sleeper, action) {
                case (nil, nil): return .none
                case (let s?, nil): return s.wake <= limit ? .sleeper(s.id) : .none
                case (nil, let a?): return actions[a].at <= limit ? .action(a) : .none
                case (let s?, let a?):
                    if actions[a].at <= s.wake { return actions[a].at <= limit ? .action(a) : .none }
                    return s.wake <= limit ? .sleeper(s.id) : .none
                }
            }
            switch next {
            case .none:
                return ran
            case .sleeper(let id):
                let sleeper = lock.withLock { () -> Sleeper? in
                    guard let sleeper = sleepers.removeValue(forKey: id) else { return nil }
                    now = max(now, sleeper.wake)
                    return sleeper
                }
                sleeper?.continuation.resume()
            case .action(let index):
                let action = lock.withLock { () -> () -> Void in
                    let action = actions.remove(at: index)
                    now = max(now, action.at)
                    return action.run
                }
                action()
            }
        }
    }

    /// Sleepers still waiting (tasks parked in virtual time).
    var sleeping: Int { lock.withLock { sleepers.count } }
}

/// The simulation's clock: virtual time from the scheduler, plus a per-worker skew of its wall clock.
struct SimulatedClock: WorkerClock {
    let scheduler: SimulationScheduler
    var skew: TimeInterval = 0

    var now: Date { scheduler.epoch.addingTimeInterval(scheduler.now.secondsDouble + skew) }
    var elapsed: Duration { scheduler.now }
    func sleep(for duration: Duration) async throws { try await scheduler.sleep(for: duration) }
    func jitter(upTo ceiling: Duration) -> Duration {
        let milliseconds = Int(ceiling.secondsDouble * 1000)
        return milliseconds > 0 ? .milliseconds(scheduler.random(milliseconds + 1)) : .zero
    }
}

/// SplitMix64: small, fast and the same everywhere.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Duration {
    var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
