import Tracing

/// One object's span, carried with its candidate through the pipeline, and its trace id, which
/// its signal carries.
public struct ObjectTrace: Sendable, Equatable {
    public let span: any Span
    private let parent: TraceParent?

    init(span: any Span) {
        self.span = span
        parent = TraceParent(span.context)
    }

    /// 32 hex digits; `nil` when the tracer writes no `traceparent`.
    public var traceId: String? { parent?.traceId }

    public static func == (left: ObjectTrace, right: ObjectTrace) -> Bool {
        left.parent == right.parent
    }
}
