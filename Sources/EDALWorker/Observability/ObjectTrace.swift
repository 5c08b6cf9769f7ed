import Tracing

/// One object's span, carried with its candidate through the pipeline, and its trace id (the
/// W3C `traceparent` the installed tracer writes), which its signal carries.
public struct ObjectTrace: Sendable, Equatable {
    public let span: any Span
    /// 32 hex digits; `nil` when the tracer writes no `traceparent`.
    public let traceId: String?
    private let spanId: String?

    init(span: any Span) {
        self.span = span
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(span.context, into: &headers, using: HeaderInjector())
        // traceparent: version-traceid-spanid-flags
        let parts = headers["traceparent"]?.split(separator: "-") ?? []
        traceId = parts.count == 4 && parts[1].count == 32 ? String(parts[1]) : nil
        spanId = parts.count == 4 ? String(parts[2]) : nil
    }

    public static func == (left: ObjectTrace, right: ObjectTrace) -> Bool {
        left.traceId == right.traceId && left.spanId == right.spanId
    }

    private struct HeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }
}
