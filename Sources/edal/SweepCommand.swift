import ArgumentParser
import EDALWorker
import Logging

/// `edal sweep`: one sweep of the watched locations, now.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract:
            "List the watched buckets/prefixes once and process every object newer than the watermark that notifications missed."
    )

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let settings = try options.settings()
        try options.bootstrapLogging(settings)
        guard !settings.watch.isEmpty else {
            throw ValidationError("nothing to sweep: set EDAL_WATCH or --watch bucket[/prefix]")
        }
        let runtime: EDALRuntime
        do {
            runtime = try await EDALRuntime.start(settings: settings, aws: try options.awsConfiguration())
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
        await runtime.loadSources()
        guard let sweep = try runtime.sweep() else { return }
        let reports = await sweep.runOnce()
        try? await runtime.sources.sync()
        await runtime.shutdown()
        var failed = false
        for report in reports {
            if !report.swept {
                print("\(report.location): \(report.error ?? "swept by another replica in this window")")
                failed = failed || report.error != nil
                continue
            }
            print(
                "\(report.location): \(report.prefixesListed) prefixes, \(report.objectsListed) objects listed, \(report.candidates) candidates, \(report.unfinished) unfinished, watermark \(report.watermarkAdvanced ? "advanced" : "kept")\(report.error.map { ", error: \($0)" } ?? "")"
            )
            failed = failed || report.unfinished > 0 || report.error != nil
        }
        let counts = runtime.statistics.snapshot
        print(
            "objects \(counts.objects), claimed \(counts.claimed + counts.takenOver), duplicates \(counts.duplicates), anomalies \(counts.anomalies), signals \(counts.signalsToKinesis + counts.signalsToFallback)"
        )
        if failed { throw ExitCode(2) }
    }
}
