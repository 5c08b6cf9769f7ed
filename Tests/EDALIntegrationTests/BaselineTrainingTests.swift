import EDALCore
import Foundation
import Testing

/// Baseline training from S3 objects' HEADs, shared through the state store.
@Suite("Baseline training")
struct BaselineTrainingTests {
    @Test("trains per kind from HEADs, publishes through the store; a later replica loads it instead")
    func trainsAndShares() async throws {
        guard let services = try TestServices.current() else { return }
        let bucket = TestServices.uniqueName("edal-baseline")
        try await services.withClient { client in
            let s3 = S3Client(client: client)
            try await s3.createBucket(bucket)
            let generator = SyntheticMELT(options: .init(seed: 12, objectSize: 2 * 1024, anomalyRate: 0))
            let manifest = FileManager.default.temporaryDirectory.appendingPathComponent("\(bucket).jsonl")
            defer { try? FileManager.default.removeItem(at: manifest) }
            _ = try await SyntheticUpload(generator: generator, s3: s3, bucket: bucket).run(count: 400, manifest: manifest)

            try await StoreUnderTest.sqlite.withStore { store, _ async throws in
                let training = BaselineTraining(s3: s3, store: store, sources: [.init(bucket: bucket)], objectsPerSource: 360,
                                                parameters: .init(treeCount: 50, seed: 1))
                let models = try await training.models()
                // The newest 360 of 400 objects over 4 kinds: every kind has enough for a model.
                #expect(Set(models.keys) == Set(TelemetryKind.allCases))
                #expect(models.values.map(\.objectCount).reduce(0, +) == 360)
                #expect(models.values.allSatisfy { $0.version == 1 })
                let stored = try #require(try await store.loadModel(named: KindModel.storeName(for: .logs)))
                #expect(stored.version == 1)

                // A replica starting later loads the shared models: same versions, nothing trained.
                let later = try await training.models()
                #expect(later == models)
                #expect(try await store.loadModel(named: KindModel.storeName(for: .logs))?.version == 1)

                // Once the models are older than the maximum age, the next replica retrains: version 2.
                var stale = training
                stale.maximumAge = .zero
                let retrained = try await stale.models(now: Date().addingTimeInterval(1))
                #expect(retrained.values.allSatisfy { $0.version == 2 })
                #expect(try await store.loadModel(named: KindModel.storeName(for: .traces))?.version == 2)

                // Too few objects of a kind: no model for it, the others still train.
                let few = BaselineTraining(s3: s3, store: store, sources: [.init(bucket: bucket, prefix: "logs/")], objectsPerSource: 10,
                                           maximumAge: .zero)
                let partial = try await few.models(now: Date().addingTimeInterval(2))
                #expect(partial[.logs]?.version == 2)
            }
        }
    }
}
