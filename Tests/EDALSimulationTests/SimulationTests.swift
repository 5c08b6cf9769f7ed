import Foundation
import Testing

/// The whole worker — receive loops, batch handler, held retries, pipeline, claims, publisher —
/// unchanged, against simulated services driven by one seeded scheduler (see `SimulationRun`).
/// `EDAL_SIM_SEEDS` seeds run (default 2,000) from `EDAL_SIM_FIRST_SEED` (default 0); a failing seed
/// prints its event history and replays exactly with `EDAL_SIM_FIRST_SEED=<seed> EDAL_SIM_SEEDS=1`.
@Suite("deterministic simulation", .timeLimit(SimulationBudget.timeLimit))
struct SimulationTests {
    static var seeds: Range<UInt64> {
        let environment = ProcessInfo.processInfo.environment
        let first = environment["EDAL_SIM_FIRST_SEED"].flatMap(UInt64.init) ?? 0
        let count = environment["EDAL_SIM_SEEDS"].flatMap(UInt64.init) ?? 2000
        return first..<(first + count)
    }

    /// Seeds run side by side, one lane per core (`EDAL_SIM_LANES`), each on a thread of its own
    /// (`LaneThread`, off the cooperative pool): each run drives its own scheduler, so lanes share
    /// nothing and each seed's history is what it would be alone.
    static var lanes: Int {
        let configured = ProcessInfo.processInfo.environment["EDAL_SIM_LANES"].flatMap(Int.init)
        return max(1, configured ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    struct LaneResult: Sendable {
        var signals = 0
        var failed: [(seed: UInt64, report: String, history: [String])] = []
    }

    @Test(
        "invariants hold on every seed: final content signalled, one id per content, nothing deleted undone, no good message in the DLQ"
    )
    func invariantsHold() async {
        let seeds = Self.seeds
        let lanes = Self.lanes
        let results = await withTaskGroup(of: LaneResult.self) { group in
            for lane in 0..<lanes {
                let thread = LaneThread(name: "simulation lane \(lane)")
                group.addTask(executorPreference: thread) {
                    defer { thread.stop() }
                    var result = LaneResult()
                    for seed in stride(from: seeds.lowerBound + UInt64(lane), to: seeds.upperBound, by: lanes) {
                        let outcome = await SimulationRun(seed: seed).run()
                        result.signals += outcome.history.filter { $0.contains(" SIGNAL ") }.count
                        guard !outcome.violations.isEmpty else { continue }
                        result.failed.append(
                            (seed, "\(outcome.summary)\n\(outcome.violations.joined(separator: "\n"))", outcome.history)
                        )
                        if result.failed.count >= 3 { break }
                    }
                    return result
                }
            }
            return await group.reduce(into: [LaneResult]()) { $0.append($1) }
        }
        let failed = results.flatMap(\.failed).sorted { $0.seed < $1.seed }
        for failure in failed {
            if let directory = ProcessInfo.processInfo.environment["EDAL_SIM_HISTORY_DIR"] {
                try? failure.history.joined(separator: "\n").write(
                    toFile: "\(directory)/seed-\(failure.seed).log", atomically: true, encoding: .utf8)
            }
            Issue.record(
                """
                \(failure.report)
                replay: EDAL_SIM_FIRST_SEED=\(failure.seed) EDAL_SIM_SEEDS=1
                history (last 200 events):
                \(failure.history.suffix(200).joined(separator: "\n"))
                """)
        }
        print(
            "simulation: \(seeds.count) seeds in \(lanes) lane(s), \(failed.count) failing, \(results.map(\.signals).reduce(0, +)) signal records"
        )
    }

    @Test("a seed replays exactly: the same history twice")
    func replaysExactly() async {
        let first = await SimulationRun(seed: 7).run()
        let second = await SimulationRun(seed: 7).run()
        let diverged = first.history.indices.first {
            $0 < second.history.count && first.history[$0] != second.history[$0]
        }
        #expect(
            first.history == second.history,
            "diverged at event \(diverged ?? -1): \(diverged.map { "\(first.history[$0]) | \(second.history[$0])" } ?? "lengths differ")"
        )
        #expect(first.history.count > 50, "the run did something")
    }
}

/// How long the simulation may run: 10 minutes for `make test`'s 2,000 seeds, and a minute more per
/// 1,000 seeds of a soak (in the release build a seed takes about 50 ms of one core).
enum SimulationBudget {
    static var timeLimit: TimeLimitTrait.Duration {
        let seeds = ProcessInfo.processInfo.environment["EDAL_SIM_SEEDS"].flatMap(Int.init) ?? 2000
        return .minutes(10 + seeds / 1000)
    }
}
