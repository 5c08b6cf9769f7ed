import Foundation
import Testing

/// The whole worker — receive loops, batch handler, held retries, pipeline, claims, publisher —
/// unchanged, against simulated services driven by one seeded scheduler (see `SimulationRun`).
/// `EDAL_SIM_SEEDS` seeds run (default 300) from `EDAL_SIM_FIRST_SEED` (default 0); a failing seed
/// prints its event history and replays exactly with `EDAL_SIM_FIRST_SEED=<seed> EDAL_SIM_SEEDS=1`.
@Suite("deterministic simulation")
struct SimulationTests {
    static var seeds: Range<UInt64> {
        let environment = ProcessInfo.processInfo.environment
        let first = environment["EDAL_SIM_FIRST_SEED"].flatMap(UInt64.init) ?? 0
        let count = environment["EDAL_SIM_SEEDS"].flatMap(UInt64.init) ?? 300
        return first..<(first + count)
    }

    @Test("invariants hold on every seed: final content signalled, one id per content, nothing deleted undone, no good message in the DLQ")
    func invariantsHold() async {
        var failures = 0
        var totals = (keys: 0, signals: 0)
        for seed in Self.seeds {
            let outcome = await SimulationRun(seed: seed).run()
            totals.signals += outcome.history.filter { $0.contains(" SIGNAL ") }.count
            totals.keys += 1
            guard !outcome.violations.isEmpty else { continue }
            failures += 1
            if let directory = ProcessInfo.processInfo.environment["EDAL_SIM_HISTORY_DIR"] {
                try? outcome.history.joined(separator: "\n").write(toFile: "\(directory)/seed-\(seed).log", atomically: true, encoding: .utf8)
            }
            Issue.record("""
                \(outcome.summary)
                \(outcome.violations.joined(separator: "\n"))
                replay: EDAL_SIM_FIRST_SEED=\(seed) EDAL_SIM_SEEDS=1
                history (last 200 events):
                \(outcome.history.suffix(200).joined(separator: "\n"))
                """)
            if failures >= 3 { break }
        }
        print("simulation: \(Self.seeds.count) seeds, \(failures) failing, \(totals.signals) signal records")
    }

    @Test("a seed replays exactly: the same history twice")
    func replaysExactly() async {
        let first = await SimulationRun(seed: 7).run()
        let second = await SimulationRun(seed: 7).run()
        let diverged = first.history.indices.first { $0 < second.history.count && first.history[$0] != second.history[$0] }
        #expect(first.history == second.history,
                "diverged at event \(diverged ?? -1): \(diverged.map { "\(first.history[$0]) | \(second.history[$0])" } ?? "lengths differ")")
        #expect(first.history.count > 50, "the run did something")
    }
}
