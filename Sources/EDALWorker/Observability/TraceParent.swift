import Tracing

/// The trace and span ids of a context, as the installed instrument writes them in a W3C
/// `traceparent` (`version-traceid-spanid-flags`): read this way, EDAL needs no tracer's types.
struct TraceParent: Sendable, Equatable {
    /// 32 hex digits.
    var traceId: String
    /// 16 hex digits.
    var spanId: String

    init?(_ context: ServiceContext) {
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderInjector())
        let parts = headers["traceparent"]?.split(separator: "-") ?? []
        guard parts.count == 4, parts[1].count == 32 else { return nil }
        traceId = String(parts[1])
        spanId = String(parts[2])
    }

    private struct HeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }
}
