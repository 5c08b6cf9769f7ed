import EDALDetection
import Foundation

/// What the operator page shows, from what the worker already holds (its sources' baselines, the
/// signals it published, its counts and levels): never an object body, never a request to S3.
/// Served as HTML at `/` and as JSON under `/api/`.
public struct OperatorSnapshot: Sendable, Codable, Equatable {
    public struct SourceRow: Sendable, Codable, Equatable {
        public struct Point: Sendable, Codable, Equatable {
            public var at: Date
            public var size: Int64
        }
        public var id: String
        public var bucket: String
        public var template: String
        public var producer: String?
        /// `learning`, `normal` or `silent`.
        public var state: String
        public var objects: Int64
        public var cadenceSeconds: Double?
        public var medianSize: Double?
        public var lastObjectKey: String?
        public var lastObjectAt: Date?
        /// The newest arrivals (LastModified, size), oldest first.
        public var recent: [Point]
        /// LastModified of the recent objects this replica signalled as anomalous.
        public var anomalies: [Date]
    }

    public struct SignalRow: Sendable, Codable, Equatable {
        public var signalId: String
        public var emittedAt: Date
        public var check: String
        public var anomalous: Bool
        public var sourceId: String
        public var template: String
        public var reasons: [String]
        public var bucket: String
        public var key: String
        public var eTag: String
        public var versionId: String?
        public var lastModified: Date?
    }

    public struct Dependency: Sendable, Codable, Equatable {
        public var name: String
        /// `nil`: it answered.
        public var problem: String?
    }

    public struct Health: Sendable, Codable, Equatable {
        public var queueWaiting: Int?
        /// How long the last message received had waited in the queue.
        public var lastMessageAgeSeconds: Double?
        public var deadLetterWaiting: Int?
        public var messagesInWork: Int
        public var messagesReceived: Int
        public var messagesDeleted: Int
        public var signalsToKinesis: Int
        public var signalsToFallback: Int
        public var signalsFailed: Int
        public var errors: [String: Int]
        public var dependencies: [Dependency]
    }

    public var generatedAt: Date
    public var replica: String
    public var sources: [SourceRow]
    public var signals: [SignalRow]
    public var health: Health

    /// At most this many sources are listed (silent first, then by newest object).
    public static let maximumSources = 500
    /// Points per source chart.
    public static let chartPoints = 64

    public init(generatedAt: Date, replica: String, baselines: [SourceBaseline], signals: [Signal], counts: WorkerCounts,
                levels: WorkerMetrics.Levels, dependencies: [Dependency]) {
        self.generatedAt = generatedAt
        self.replica = replica
        self.signals = signals.map { signal in
            SignalRow(signalId: signal.signalId, emittedAt: signal.emittedAt, check: signal.check, anomalous: signal.anomalous,
                      sourceId: signal.source.id, template: signal.source.template, reasons: signal.reasons.map(\.detail),
                      bucket: signal.evidence.bucket, key: signal.evidence.key, eTag: signal.evidence.eTag,
                      versionId: signal.evidence.versionId, lastModified: signal.evidence.lastModified)
        }
        var anomalies: [String: [Date]] = [:]
        for signal in self.signals where signal.anomalous {
            if let lastModified = signal.lastModified { anomalies[signal.sourceId, default: []].append(lastModified) }
        }
        func rank(_ baseline: SourceBaseline) -> (Int, Date) {
            (baseline.state == .silent ? 0 : 1, baseline.lastObject?.lastModified ?? baseline.firstSeen)
        }
        let listed = baselines.sorted { left, right in
            let (l, r) = (rank(left), rank(right))
            return l.0 != r.0 ? l.0 < r.0 : l.1 > r.1
        }.prefix(Self.maximumSources)
        sources = listed.map { baseline in
            let profile = SourceProfile(baseline, trainModel: false)
            return SourceRow(
                id: baseline.id, bucket: baseline.bucket, template: baseline.template, producer: baseline.producer,
                state: baseline.state.rawValue, objects: baseline.objectCount, cadenceSeconds: profile.cadence,
                medianSize: profile.medianSize, lastObjectKey: baseline.lastObject?.key, lastObjectAt: baseline.lastObject?.lastModified,
                recent: baseline.recent.suffix(Self.chartPoints).map { SourceRow.Point(at: Date(timeIntervalSince1970: $0.time), size: $0.size) },
                anomalies: anomalies[baseline.id] ?? []
            )
        }
        health = Health(
            queueWaiting: levels.queueWaiting, lastMessageAgeSeconds: levels.lastMessageAgeSeconds, deadLetterWaiting: levels.deadLetterWaiting, messagesInWork: levels.messagesInWork,
            messagesReceived: counts.messagesReceived, messagesDeleted: counts.messagesDeleted,
            signalsToKinesis: counts.signalsToKinesis, signalsToFallback: counts.signalsToFallback, signalsFailed: counts.signalsFailed,
            errors: ["store": counts.storeErrors, "head": counts.headErrors, "receive": counts.receiveErrors, "delete": counts.deleteErrors],
            dependencies: dependencies
        )
    }
}
