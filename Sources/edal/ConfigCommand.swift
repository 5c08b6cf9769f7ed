import ArgumentParser
import EDALAWS
import EDALState
import EDALWorker

/// `edal config`: shows the AWS configuration EDAL resolved, or says what is missing.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract:
            "Show every worker setting in force and where it comes from, then the region, credentials and endpoints resolved from the environment and ~/.aws."
    )

    @Flag(
        help:
            "Print the worker settings' table of docs/configuration.md (generated from their declarations) and nothing else."
    )
    var markdown = false

    func run() async throws {
        if markdown {
            print(WorkerSettings.markdownTable)
            return
        }
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings.fromEnvironment()
        } catch {
            throw ValidationError(error.description)
        }
        let origins = WorkerSettings.origins()
        print("worker settings:")
        for declaration in WorkerSettings.declarations {
            let name = declaration.variable.padding(toLength: 28, withPad: " ", startingAt: 0)
            print("  \(name) \(declaration.current(settings))  (\(origins[declaration.variable] ?? "default"))")
        }
        print("")
        let resolved = try resolvedAWSConfiguration()
        let source =
            (resolved.credentialProvider as? StaticCredentialProvider)?.source
            ?? (resolved.credentialProvider as? RefreshingCredentialProvider)?.source ?? "provider"
        let credentials = try await resolved.credentialProvider.credentials()
        print("region:       \(resolved.region)")
        print("credentials:  \(credentials.accessKeyId) (from \(source))")
        for service in [AWSService.s3, .sqs, .kinesis] {
            print(
                "\(service.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(resolved.endpoint(for: service))"
            )
        }
        print("s3 addressing: \(resolved.s3AddressingStyle.rawValue)")
        print(
            "retries:      \(resolved.retryMode.strategy.rawValue), \(resolved.retryMode.maximumAttempts) attempts\(resolved.retryMode.usesQuota ? ", a retry quota per service" : "")"
        )
    }
}
