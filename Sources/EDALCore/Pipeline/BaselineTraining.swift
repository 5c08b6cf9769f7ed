import EDALDetection
import Foundation
import Logging

/// Trains the per-kind models on the most recent objects of the watched buckets and shares them
/// through the state store, so every replica scores with the same baseline.
///
/// A replica first loads what the store holds: a model younger than `maximumAge` is used as it is.
/// Otherwise it lists each bucket/prefix, HEADs the newest `objectsPerSource` objects (bounded
/// concurrency, metadata only), trains one model per kind with enough objects, and saves it with the
/// next version; if another replica saved a newer one meanwhile, that one is used.
public struct BaselineTraining: Sendable {
    public struct Source: Sendable, Equatable {
        public var bucket: String
        public var prefix: String

        public init(bucket: String, prefix: String = "") {
            self.bucket = bucket
            self.prefix = prefix
        }
    }

    public var s3: S3Client
    public var store: any StateStore
    public var sources: [Source]
    public var objectsPerSource: Int
    public var concurrency: Int
    public var maximumAge: Duration
    public var parameters: IsolationForest.Parameters
    public var logger: Logger

    public init(s3: S3Client, store: any StateStore, sources: [Source], objectsPerSource: Int = 1_000, concurrency: Int = 16,
                maximumAge: Duration = .seconds(3600), parameters: IsolationForest.Parameters = .init(),
                logger: Logger = Logger(label: "edal.training")) {
        self.s3 = s3
        self.store = store
        self.sources = sources
        self.objectsPerSource = objectsPerSource
        self.concurrency = max(1, concurrency)
        self.maximumAge = maximumAge
        self.parameters = parameters
        self.logger = logger
    }

    /// The models to score with: fresh ones from the store, or newly trained and published ones.
    public func models(now: Date = Date()) async throws -> [TelemetryKind: KindModel] {
        var stored: [TelemetryKind: KindModel] = [:]
        for kind in TelemetryKind.allCases {
            if let model = try await load(kind) { stored[kind] = model }
        }
        let cutoff = now.addingTimeInterval(-maximumAge.seconds)
        if !stored.isEmpty, stored.values.allSatisfy({ $0.trainedAt >= cutoff }) {
            logger.info("using the shared models", metadata: ["kinds": "\(stored.keys.sorted().map(\.rawValue))"])
            return stored
        }

        let samples = try await headRecentObjects()
        let version = (stored.values.map(\.version).max() ?? 0) + 1
        var models = stored
        for kind in TelemetryKind.allCases {
            let kindSamples = samples[kind] ?? []
            do {
                let model = try KindModel.train(kind: kind, samples: kindSamples, parameters: parameters, version: version, trainedAt: now)
                let payload = try JSONEncoder().encode(model)
                let saved = try await store.saveModel(StoredModel(name: KindModel.storeName(for: kind), version: version,
                                                                  trainedAt: now, payload: [UInt8](payload)))
                models[kind] = saved ? model : try await load(kind)
                logger.info("trained the \(kind.rawValue) model", metadata: ["objects": "\(kindSamples.count)", "version": "\(version)", "published": "\(saved)"])
            } catch let error as KindModel.TrainingError {
                logger.notice("\(error.description)")
                if models[kind] == nil { continue }
            }
        }
        return models
    }

    private func load(_ kind: TelemetryKind) async throws -> KindModel? {
        guard let stored = try await store.loadModel(named: KindModel.storeName(for: kind)) else { return nil }
        do {
            return try JSONDecoder().decode(KindModel.self, from: Data(stored.payload))
        } catch {
            logger.warning("the stored \(kind.rawValue) model cannot be read; training a new one", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// HEADs the newest `objectsPerSource` objects of every source; groups what they say by kind.
    private func headRecentObjects() async throws -> [TelemetryKind: [KindModel.Sample]] {
        var listed: [(bucket: String, object: S3ListedObject)] = []
        for source in sources {
            var newest: [S3ListedObject] = []
            for try await page in s3.listObjects(bucket: source.bucket, prefix: source.prefix.isEmpty ? nil : source.prefix) {
                newest.append(contentsOf: page.objects)
                // Keep memory bounded on large buckets: only the newest candidates survive each page.
                if newest.count > 4 * objectsPerSource {
                    newest = Array(newest.sorted { $0.lastModified > $1.lastModified }.prefix(objectsPerSource))
                }
            }
            listed += newest.sorted { $0.lastModified > $1.lastModified }.prefix(objectsPerSource).map { (source.bucket, $0) }
        }
        var samples: [TelemetryKind: [KindModel.Sample]] = [:]
        let targets = listed
        try await forEachConcurrently(count: targets.count, limit: concurrency, { [s3] index in
            try await s3.headObject(bucket: targets[index].bucket, key: targets[index].object.key)
        }, onResult: { _, head in
            if let head, let kind = TelemetryKind.of(metadata: head.metadata, key: head.key) {
                samples[kind, default: []].append(KindModel.Sample(metadata: head.metadata, contentLength: head.contentLength))
            }
        })
        return samples
    }
}
