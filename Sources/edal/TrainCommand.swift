import EDALDetection
import ArgumentParser
import Foundation
import EDALCore
import Logging

/// `edal train`: trains the per-kind baseline on the watched locations now and shares it through the store.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "HEAD the newest objects of the watched buckets, train one IsolationForest per telemetry kind, and publish the models to the state store."
    )

    @Option(help: "Buckets/prefixes to train on, comma-separated (EDAL_WATCH).") var watch: String?
    @Option(help: "State store URI (EDAL_STATE_STORE_URI).") var store: String?
    @Option(help: "Objects to HEAD per location.") var objects: Int = 1000

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if let watch { environment["EDAL_WATCH"] = watch }
        if let store { environment["EDAL_STATE_STORE_URI"] = store }
        let settings: WorkerSettings
        do {
            settings = try WorkerSettings.fromEnvironment(environment)
        } catch {
            throw ValidationError(error.description)
        }
        guard !settings.watch.isEmpty else { throw ValidationError("nothing to train on: set EDAL_WATCH or --watch bucket[/prefix]") }
        let aws = try resolvedAWSConfiguration()
        let client = AWSClient(configuration: aws)
        let stateStore: any StateStore
        do {
            stateStore = try await StateStoreFactory.open(uri: settings.storeURI)
        } catch {
            try? await client.shutdown()
            throw ValidationError("EDAL_STATE_STORE_URI: \(error.description)")
        }
        let training = BaselineTraining(s3: S3Client(client: client), store: stateStore,
                                        sources: settings.watch.map { .init(bucket: $0.bucket, prefix: $0.prefix) },
                                        objectsPerSource: objects, maximumAge: .zero)
        do {
            let models = try await training.models()
            for (kind, model) in models.sorted(by: { $0.key < $1.key }) {
                print("\(kind.rawValue): version \(model.version), trained on \(model.objectCount) objects at \(model.trainedAt)")
            }
            if models.isEmpty { print("no kind had enough objects (at least \(KindModel.minimumObjects) each)") }
        } catch {
            await stateStore.close()
            try? await client.shutdown()
            throw error
        }
        await stateStore.close()
        try await client.shutdown()
    }
}
