import ArgumentParser
import EDALWorker

/// `edal`: turns S3 telemetry notifications into anomaly signals.
@main
struct EDALCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edal",
        abstract: "Scores telemetry objects landing in S3 from their metadata alone and publishes anomaly signals.",
        version: EDALVersion.current,
        subcommands: [
            RunCommand.self, DrainCommand.self, SweepCommand.self, ReplayCommand.self, SetupCommand.self, SourcesCommand.self,
            SignalsCommand.self, GenerateCommand.self, EvaluateCommand.self, ConfigCommand.self, HealthCommand.self,
        ]
    )
}
