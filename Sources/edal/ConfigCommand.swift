import ArgumentParser
import EDALAWS
import EDALState
import EDALWorker

/// `edal config`: shows the AWS configuration EDAL resolved, or says what is missing.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the region, credential source, endpoints and state store EDAL resolves from the environment and ~/.aws."
    )

    func run() async throws {
        let resolved = try resolvedAWSConfiguration()
        let source = (resolved.credentialProvider as? StaticCredentialProvider)?.source
            ?? (resolved.credentialProvider as? RefreshingCredentialProvider)?.source ?? "provider"
        let credentials = try await resolved.credentialProvider.credentials()
        print("region:       \(resolved.region)")
        print("credentials:  \(credentials.accessKeyId) (from \(source))")
        for service in [AWSService.s3, .sqs, .kinesis] {
            print("\(service.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(resolved.endpoint(for: service))")
        }
        print("s3 addressing: \(resolved.s3AddressingStyle.rawValue)")
        let store = StateStoreFactory.configuredURI()
        do {
            _ = try StateStoreFactory.location(of: store)
        } catch {
            throw ValidationError(error.description)
        }
        print("state store:  \(StateStoreFactory.redacted(store))")
    }
}
