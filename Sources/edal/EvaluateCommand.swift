import ArgumentParser
import EDALDetection
import EDALTools
import EDALWorker
import Foundation

/// `edal evaluate`: measures detection on a simulated bucket written the way a producer writes.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            "Simulate a producer's bucket (an eight-day warm-up, then a week with labelled incidents, time compressed), run detection on it, print precision, recall and time to detect per incident type, and false signals on a clean week."
    )

    @Option(help: "cloudtrail, alb, vpcflow, firehose, otel, melt, or all.") var profile: String = "all"
    @Option(help: "Seed of the simulated bucket.") var seed: UInt64 = 7
    @Option(help: "Sources in the bucket (default: 20; melt: 20, 5 services × 4 kinds).") var sources: Int?
    @Option(help: "Incidents of each type in the measured week.") var incidents: Int = 4
    @Option(help: "Seeds to run (seed, seed+1, …); figures are summed over them.") var runs: Int = 1
    @Option(help: "IsolationForest score threshold.") var threshold: Double = SourceDetector.Configuration()
        .scoreThreshold
    @Flag(help: "Print the figures as JSON lines too.") var json = false
    @Option(
        help:
            "Instead of the table: recall of size blow-ups, near-empty objects and bursts at each of these magnitudes (times the usual size, times smaller, times the usual objects in an hour), e.g. 2,3,5,10,25."
    )
    var magnitudes: String?

    func run() throws {
        let profiles: [ProducerProfile]
        if profile == "all" {
            profiles = ProducerProfile.allCases
        } else {
            guard let one = ProducerProfile(rawValue: profile) else {
                throw ValidationError(
                    "--profile \(profile): use one of \(ProducerProfile.allCases.map(\.rawValue).joined(separator: ", ")) or all"
                )
            }
            profiles = [one]
        }
        var configuration = SourceDetector.Configuration()
        configuration.scoreThreshold = threshold
        let registry = SourceRegistry(detector: SourceDetector(configuration: configuration))
        if let magnitudes {
            let values = magnitudes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 > 1 }) else {
                throw ValidationError("--magnitudes: numbers above 1, e.g. 2,3,5,10,25")
            }
            for profile in profiles where profile != .melt { print(magnitudeTable(profile, values, registry)) }
            return
        }
        for profile in profiles {
            var reports: [SourceEvaluation.Report] = []
            var clean: [SourceEvaluation.Report] = []
            for run in 0..<max(1, runs) {
                let seed = self.seed &+ UInt64(run)
                reports.append(
                    SourceEvaluation(
                        scenario: ProducerScenario(
                            profile: profile, seed: seed, sources: sources, incidentsPerKind: incidents),
                        registry: registry
                    ).run())
                clean.append(
                    SourceEvaluation(
                        scenario: ProducerScenario(profile: profile, seed: seed, sources: sources, incidentsPerKind: 0),
                        registry: registry
                    ).run())
            }
            print(EvaluationTable(profile: profile, reports: reports, clean: clean).text)
            if json { print(EvaluationTable(profile: profile, reports: reports, clean: clean).jsonLine) }
        }
    }
}

extension EvaluateCommand {
    /// Recall of the incidents whose size is chosen, at each magnitude, summed over the runs.
    func magnitudeTable(_ profile: ProducerProfile, _ magnitudes: [Double], _ registry: SourceRegistry) -> String {
        let kinds: [IncidentKind] = [.sizeBlowUp, .nearEmpty, .burst]
        var lines = [
            "\(profile.rawValue): recall at each magnitude (\(max(1, runs)) runs from seed \(seed))",
            "magnitude  " + kinds.map { $0.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined(),
        ]
        for magnitude in magnitudes {
            var found: [IncidentKind: (detected: Int, incidents: Int)] = [:]
            for run in 0..<max(1, runs) {
                // A day after a half-day's warm-up: sizes and bursts need no week, and a table of
                // several magnitudes over weeks would take most of an hour.
                var scenario = ProducerScenario(
                    profile: profile, seed: seed &+ UInt64(run), sources: sources, warmUp: 43_200, day: 86_400,
                    incidentsPerKind: incidents)
                scenario.magnitude = magnitude
                for result in SourceEvaluation(scenario: scenario, registry: registry).run().kinds
                where kinds.contains(result.kind) {
                    found[result.kind, default: (0, 0)].detected += result.detected
                    found[result.kind, default: (0, 0)].incidents += result.incidents
                }
            }
            lines.append(
                String(format: "%8.0f×  ", magnitude)
                    + kinds.map { kind in
                        let entry = found[kind] ?? (0, 0)
                        return String(
                            format: "%.2f (%d/%d)",
                            entry.incidents == 0 ? 0 : Double(entry.detected) / Double(entry.incidents),
                            entry.detected, entry.incidents
                        ).padding(toLength: 14, withPad: " ", startingAt: 0)
                    }.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The figures of one profile over several runs, as a table and as JSON.
struct EvaluationTable {
    var profile: ProducerProfile
    var reports: [SourceEvaluation.Report]
    var clean: [SourceEvaluation.Report]

    var merged: [SourceEvaluation.KindResult] {
        guard let first = reports.first else { return [] }
        return first.kinds.map { kind in
            var total = SourceEvaluation.KindResult(kind: kind.kind, incidents: 0, detected: 0, falseSignals: 0)
            var times: [Double] = []
            var cadences: [Double] = []
            var slowest: [Double] = []
            for report in reports {
                guard let result = report.kinds.first(where: { $0.kind == kind.kind }) else { continue }
                total.incidents += result.incidents
                total.detected += result.detected
                total.falseSignals += result.falseSignals
                if let time = result.meanTimeToDetect { times.append(time) }
                if let cadence = result.meanCadencesToDetect { cadences.append(cadence) }
                if let cadence = result.maxCadencesToDetect { slowest.append(cadence) }
            }
            total.meanTimeToDetect = times.isEmpty ? nil : times.reduce(0, +) / Double(times.count)
            total.meanCadencesToDetect = cadences.isEmpty ? nil : cadences.reduce(0, +) / Double(cadences.count)
            total.maxCadencesToDetect = slowest.max()
            return total
        }
    }

    var text: String {
        let objects = reports.map(\.objects).reduce(0, +)
        let perObject = reports.map(\.secondsPerObject).reduce(0, +) / Double(max(1, reports.count))
        var lines = [
            String(
                format: "%@: %d runs, %d objects, %d sources per run, detection %.1f µs per object",
                profile.rawValue, reports.count, objects, reports.first?.sources ?? 0, perObject * 1e6)
        ]
        lines.append("incident type         incidents  detected  recall  false  precision  time to detect")
        for result in merged {
            let detect =
                result.meanCadencesToDetect.map { mean in
                    String(
                        format: "%.2f cadences after the last object (at most %.2f)", mean,
                        result.maxCadencesToDetect ?? mean)
                }
                ?? result.meanTimeToDetect.map { String(format: "%.0f s", $0) } ?? "-"
            lines.append(
                String(
                    format: "%@ %9d  %8d  %6.3f  %5d  %9.3f  %@",
                    result.kind.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0),
                    result.incidents, result.detected, result.recall, result.falseSignals, result.precision, detect))
        }
        let otherFalse = reports.flatMap { $0.falseSignalsByCheck }.reduce(into: [String: Int]()) {
            $0[$1.key.rawValue, default: 0] += $1.value
        }
        lines.append(
            "false signals by check: "
                + (otherFalse.isEmpty
                    ? "none"
                    : otherFalse.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        let silences = merged.first { $0.kind == .silence }?.incidents ?? 0
        let resumptions = reports.compactMap { report in
            report.resumedPerSilence.map { $0 * Double(report.kinds.first { $0.kind == .silence }?.incidents ?? 0) }
        }
        if silences > 0, !resumptions.isEmpty {
            lines.append(
                String(format: "resumed signals per silence: %.2f", resumptions.reduce(0, +) / Double(silences)))
        }
        let cleanFalse = clean.map(\.falseSignals).reduce(0, +)
        let cleanChecks = clean.flatMap { $0.falseSignalsByCheck }.reduce(into: [String: Int]()) {
            $0[$1.key.rawValue, default: 0] += $1.value
        }
        let unattributed = clean.map(\.unattributedFalseSignals).reduce(0, +)
        let sourceDays = clean.map(\.sourceDays).reduce(0, +)
        lines.append(
            String(
                format:
                    "unattributed false signals (isolation_score, metadata_value, rule) on clean days: %d in %.0f source-days, %.4f per source-day",
                unattributed, sourceDays, Double(unattributed) / max(sourceDays, 1)))
        let cleanDays = clean.flatMap(\.falseSignalsByDay)
        lines.append(
            "clean days: \(cleanFalse) false signals in \(cleanDays.count) day(s) of \(clean.first?.sources ?? 0) sources, at most \(cleanDays.max() ?? 0) in one day"
                + (cleanChecks.isEmpty
                    ? ""
                    : " ("
                        + cleanChecks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                        + ")"))
        lines.append(
            "weekly rhythm: \((reports + clean).map(\.falseAroundWeekends).reduce(0, +)) false silence, rate-drop or burst signals on Saturdays, Sundays and Mondays"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    var jsonLine: String {
        let kinds = merged.map {
            "{\"kind\":\"\($0.kind.rawValue)\",\"incidents\":\($0.incidents),\"detected\":\($0.detected),\"false\":\($0.falseSignals)}"
        }
        return
            "{\"profile\":\"\(profile.rawValue)\",\"kinds\":[\(kinds.joined(separator: ","))],\"clean_false_signals\":\(clean.map(\.falseSignals).reduce(0, +))}"
    }
}
