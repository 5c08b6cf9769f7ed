import EDALWorker
import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Traces over OTLP/HTTP through swift-otel, when the standard OpenTelemetry variables ask for
/// them: `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, and neither
/// `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none`. The other `OTEL_*` variables
/// (`OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_HEADERS`, …) apply as the
/// specification says. Otherwise no tracer is installed and tracing costs nothing.
enum TraceExport {
    /// Whether `environment` asks for traces.
    static func requested(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        let endpoint = [environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], environment["OTEL_EXPORTER_OTLP_ENDPOINT"]]
            .contains { !($0 ?? "").isEmpty }
        return endpoint && environment["OTEL_SDK_DISABLED"]?.lowercased() != "true"
            && environment["OTEL_TRACES_EXPORTER"]?.lowercased() != "none"
    }

    /// Installs the OTLP tracer when `requested()`; answers the service that exports its spans
    /// (run it first in the service group, so it stops last and flushes what the worker traced).
    static func bootstrap() throws -> (any Service)? {
        guard requested() else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "edal"
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // swift-otel's own messages through EDAL's logging (JSON lines when EDAL_LOG_FORMAT=json),
        // its warnings and errors only (an exporter that cannot reach its collector, say).
        configuration.diagnosticLogger = .custom(Logger(label: "edal.traces"))
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }
}
