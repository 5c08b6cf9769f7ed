import Foundation

/// Answers the operator page's paths: `/` (HTML) and `/api/snapshot`, `/api/sources`,
/// `/api/signals`, `/api/health` (JSON), from the runtime's sources and counts, the metrics' recent
/// signals and levels, and the health's dependency checks. Everything is rendered at most once per
/// `refreshInterval` (`RefreshedValue`) and served from there, so requests cost no calls and
/// little CPU however many arrive.
public final class OperatorView: Sendable {
    /// The page's answers, rendered together from one snapshot.
    struct Rendered: Sendable {
        var page: [UInt8]
        var snapshot: [UInt8]
        var sources: [UInt8]
        var signals: [UInt8]
        var health: [UInt8]
    }

    private let rendered: RefreshedValue<Rendered>

    public init(
        runtime: EDALRuntime, metrics: WorkerMetrics, health: WorkerHealth, refreshInterval: Duration = .seconds(5)
    ) {
        rendered = RefreshedValue(maximumAge: refreshInterval) {
            let snapshot = OperatorSnapshot(
                generatedAt: Date(), replica: runtime.owner, baselines: runtime.sources.baselines,
                signals: metrics.recentSignals.newestFirst, counts: runtime.statistics.snapshot,
                levels: metrics.lastLevels, dependencies: await health.dependencies.value())
            return Rendered(
                page: Array(OperatorPage.html(snapshot).utf8), snapshot: Self.encode(snapshot),
                sources: Self.encode(snapshot.sources), signals: Self.encode(snapshot.signals),
                health: Self.encode(snapshot.health))
        }
    }

    /// The content type and body for `path`, or `nil` when the path is not the page's.
    public func respond(to path: String) async -> (contentType: String, body: [UInt8])? {
        let json = "application/json; charset=utf-8"
        switch path {
        case "/", "/index.html": return ("text/html; charset=utf-8", await rendered.value().page)
        case "/api/snapshot": return (json, await rendered.value().snapshot)
        case "/api/sources": return (json, await rendered.value().sources)
        case "/api/signals": return (json, await rendered.value().signals)
        case "/api/health": return (json, await rendered.value().health)
        default: return nil
        }
    }

    /// Renders made so far (one per refresh interval at most).
    public var renders: Int { get async { await rendered.refreshes } }

    private static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
