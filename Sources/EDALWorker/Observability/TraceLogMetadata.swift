import Logging
import Tracing

/// Puts the current span's ids into every log line (`trace.id` and `span.id`, ECS's names).
/// Installed only when traces are exported.
public enum TraceLogMetadata {
    public static let provider = Logger.MetadataProvider {
        guard let context = ServiceContext.current, let parent = TraceParent(context) else { return [:] }
        return ["trace.id": .string(parent.traceId), "span.id": .string(parent.spanId)]
    }
}
