import ArgumentParser
import EDALWorker
import Foundation
import NIOCore
import NIOPosix

/// `edal`: turns S3 telemetry notifications into anomaly signals.
@main
struct EDALCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edal",
        abstract: "Scores telemetry objects landing in S3 from their metadata alone and publishes anomaly signals.",
        version: EDALVersion.current,
        subcommands: [
            RunCommand.self, DrainCommand.self, SweepCommand.self, ReplayCommand.self, SetupCommand.self,
            SourcesCommand.self,
            SignalsCommand.self, GenerateCommand.self, EvaluateCommand.self, ConfigCommand.self, HealthCommand.self,
        ]
    )

    /// Runs Swift concurrency's tasks on NIO's event loops, where the HTTP client's connections live,
    /// so a request and the task awaiting it share a thread instead of handing over between two pools
    /// (unless `EDAL_NIO_EXECUTOR=0`). Blocking store calls stay on their own thread pools.
    static func main() async {
        if (try? WorkerSettings.reading(["EDAL_NIO_EXECUTOR"]))?.nioExecutor ?? true {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
