import Foundation

/// Answers the operator page's paths on the metrics port: `/` (HTML) and `/api/snapshot`,
/// `/api/sources`, `/api/signals`, `/api/health` (JSON), from the runtime's sources and counts and
/// the metrics' recent signals and levels.
public struct OperatorView: Sendable {
    public var runtime: EDALRuntime
    public var metrics: WorkerMetrics

    public init(runtime: EDALRuntime, metrics: WorkerMetrics) {
        self.runtime = runtime
        self.metrics = metrics
    }

    /// The content type and body for `path`, or `nil` when the path is not the page's.
    public func respond(to path: String) async -> (contentType: String, body: [UInt8])? {
        let json = "application/json; charset=utf-8"
        switch path {
        case "/", "/index.html":
            return ("text/html; charset=utf-8", Array(OperatorPage.html(await snapshot()).utf8))
        case "/api/snapshot":
            return (json, Self.encode(await snapshot()))
        case "/api/sources":
            let signals = OperatorSnapshot.signalRows(metrics.recentSignals.newestFirst)
            return (json, Self.encode(OperatorSnapshot.sources(runtime.sources.baselines, signals: signals)))
        case "/api/signals":
            return (json, Self.encode(OperatorSnapshot.signalRows(metrics.recentSignals.newestFirst)))
        case "/api/health":
            return (
                json,
                Self.encode(
                    OperatorSnapshot.Health(
                        counts: runtime.statistics.snapshot, levels: metrics.lastLevels,
                        dependencies: await dependencies()))
            )
        default:
            return nil
        }
    }

    public func snapshot() async -> OperatorSnapshot {
        OperatorSnapshot(
            generatedAt: Date(), replica: runtime.owner, baselines: runtime.sources.baselines,
            signals: metrics.recentSignals.newestFirst, counts: runtime.statistics.snapshot,
            levels: metrics.lastLevels, dependencies: await dependencies())
    }

    /// The `/readyz` checks, as the page shows them.
    private func dependencies() async -> [OperatorSnapshot.Dependency] {
        await runtime.readiness().map { OperatorSnapshot.Dependency(name: $0.name, problem: $0.problem) }
    }

    private static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
