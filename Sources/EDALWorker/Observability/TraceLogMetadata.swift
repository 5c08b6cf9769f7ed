import Logging
import Tracing

/// Puts the current span's ids into every log line (`trace.id` and `span.id`, ECS's names), read
/// from the W3C `traceparent` the installed tracer writes for `ServiceContext.current`. Installed
/// only when traces are exported.
public enum TraceLogMetadata {
    public static let provider = Logger.MetadataProvider {
        guard let context = ServiceContext.current else { return [:] }
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: Carrier())
        let parts = headers["traceparent"]?.split(separator: "-") ?? []
        guard parts.count == 4 else { return [:] }
        return ["trace.id": .string(String(parts[1])), "span.id": .string(String(parts[2]))]
    }

    private struct Carrier: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }
}
