import Logging
import Prometheus

/// The routes of the metrics listener (`EDAL_METRICS_ADDRESS`), where Prometheus and the kubelet
/// reach the worker: `/metrics` (Prometheus text format), `/healthz` and `/readyz`
/// (`WorkerHealth`). Nothing here names an object; the operator page has its own listener.
public struct MetricsServer: Sendable {
    public var registry: PrometheusCollectorRegistry
    /// Runs before each scrape (brings counters up to date).
    public var beforeScrape: @Sendable () async -> Void
    public var health: WorkerHealth

    public init(
        registry: PrometheusCollectorRegistry, health: WorkerHealth,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.registry = registry
        self.health = health
        self.beforeScrape = beforeScrape
    }

    public func respond(to request: HTTPListenerRequest) async -> HTTPListenerResponse {
        switch request.path {
        case "/metrics":
            await beforeScrape()
            return HTTPListenerResponse(
                .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: MetricHelp.annotate(registry.emitToBuffer()))
        case "/healthz":
            let (healthy, text) = health.liveness()
            return .text(healthy ? .ok : .serviceUnavailable, text)
        case "/readyz":
            let (ready, text) = await health.readiness()
            return .text(ready ? .ok : .serviceUnavailable, text)
        default:
            return .text(.notFound, "try /metrics, /healthz or /readyz (the operator page has its own address)\n")
        }
    }
}
