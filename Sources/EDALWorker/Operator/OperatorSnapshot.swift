import EDALDetection
import Foundation

/// What the operator page shows, from what the worker already holds (its sources' baselines, the
/// signals it published, its counts and levels): never an object body, never a request to S3.
/// Served as HTML at `/` and as JSON under `/api/`.
public struct OperatorSnapshot: Sendable, Codable, Equatable {
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

        public init(name: String, problem: String?) {
            self.name = name
            self.problem = problem
        }
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
    public var sources: [SourceSummary]
    public var signals: [SignalRow]
    public var health: Health

    /// At most this many sources are listed (silent first, then by newest object).
    public static let maximumSources = 500
    /// Points per source chart.
    public static let chartPoints = 64

    public init(
        generatedAt: Date, replica: String, baselines: [SourceBaseline], signals: [Signal], counts: WorkerCounts,
        levels: WorkerMetrics.Levels, dependencies: [Dependency]
    ) {
        self.generatedAt = generatedAt
        self.replica = replica
        self.signals = Self.signalRows(signals)
        sources = Self.sources(baselines, signals: self.signals)
        health = Health(counts: counts, levels: levels, dependencies: dependencies)
    }

    /// The signals as the page lists them, in the order given.
    public static func signalRows(_ signals: [Signal]) -> [SignalRow] {
        signals.map { signal in
            SignalRow(
                signalId: signal.signalId, emittedAt: signal.emittedAt, check: signal.check,
                anomalous: signal.anomalous,
                sourceId: signal.source.id, template: signal.source.template, reasons: signal.reasons.map(\.detail),
                bucket: signal.evidence.bucket, key: signal.evidence.key, eTag: signal.evidence.eTag,
                versionId: signal.evidence.versionId, lastModified: signal.evidence.lastModified)
        }
    }

    /// The sources listed (silent first, then by newest object; at most `maximumSources`), each with
    /// the recent objects `signals` flagged.
    public static func sources(_ baselines: [SourceBaseline], signals: [SignalRow]) -> [SourceSummary] {
        var anomalies: [String: [Date]] = [:]
        for signal in signals where signal.anomalous {
            if let lastModified = signal.lastModified { anomalies[signal.sourceId, default: []].append(lastModified) }
        }
        func rank(_ baseline: SourceBaseline) -> (Int, Date) {
            (baseline.state == .silent ? 0 : 1, baseline.lastObject?.lastModified ?? baseline.firstSeen)
        }
        let listed = baselines.sorted { left, right in
            let (l, r) = (rank(left), rank(right))
            return l.0 != r.0 ? l.0 < r.0 : l.1 > r.1
        }.prefix(maximumSources)
        return listed.map { baseline in
            var summary = SourceSummary(baseline, recentPoints: chartPoints)
            summary.anomalies = anomalies[baseline.id] ?? []
            return summary
        }
    }
}

extension OperatorSnapshot.Health {
    public init(counts: WorkerCounts, levels: WorkerMetrics.Levels, dependencies: [OperatorSnapshot.Dependency]) {
        self.init(
            queueWaiting: levels.queueWaiting, lastMessageAgeSeconds: levels.lastMessageAgeSeconds,
            deadLetterWaiting: levels.deadLetterWaiting,
            messagesInWork: levels.messagesInWork, messagesReceived: counts.messagesReceived,
            messagesDeleted: counts.messagesDeleted,
            signalsToKinesis: counts.signalsToKinesis, signalsToFallback: counts.signalsToFallback,
            signalsFailed: counts.signalsFailed,
            errors: [
                "store": counts.storeErrors, "head": counts.headErrors, "receive": counts.receiveErrors,
                "delete": counts.deleteErrors,
            ],
            dependencies: dependencies
        )
    }
}
