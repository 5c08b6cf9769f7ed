import Tracing

/// The spans of EDAL's work, through swift-distributed-tracing: one per received batch
/// (`edal.batch`), one per object (`edal.object`, its child), and one per stage of the object's
/// work, children of the object's span — `claim`, `head`, `judge`, `publish`, `complete`,
/// `delete` — a stage tried again appearing again. Stages the pipeline runs for a whole batch at
/// once are measured once and recorded under each object with the same start and end.
///
/// Without a tracer installed (`InstrumentationSystem.bootstrap`, which `edal` does only when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set) `enabled` is false and nothing here allocates or reads a
/// clock.
public struct PipelineTracing: Sendable {
    public let enabled: Bool

    public init(enabled: Bool = !(InstrumentationSystem.tracer is NoOpTracer)) {
        self.enabled = enabled
    }

    /// A span for one object of the batch whose span is `batch`, with the object's attributes.
    func objectTrace(_ event: ObjectCreatedEvent, via: ObjectCandidate.Via, batch: (any Span)?) -> ObjectTrace? {
        guard enabled else { return nil }
        let span = startSpan("edal.object", context: batch?.context ?? .current ?? .topLevel, ofKind: .consumer)
        span.attributes["aws.s3.bucket"] = event.bucket
        span.attributes["aws.s3.key"] = event.key
        span.attributes["edal.via"] = via.rawValue
        if let sequencer = event.sequencer { span.attributes["edal.sequencer"] = sequencer }
        return ObjectTrace(span: span)
    }

    /// The time a stage starts, when tracing.
    func now() -> DefaultTracerClock.Instant? {
        enabled ? DefaultTracerClock.now : nil
    }

    /// Records a stage that ran from `start` until now for each of `traces`, with `outcome(index)`
    /// as its `edal.outcome` attribute (and an error status when `failed(index)`).
    func stage(
        _ name: String, from start: DefaultTracerClock.Instant?, for traces: [ObjectTrace?],
        outcome: (Int) -> String? = { _ in nil }, failed: (Int) -> Bool = { _ in false }
    ) {
        guard enabled, let start else { return }
        let end = DefaultTracerClock.now
        for (index, trace) in traces.enumerated() {
            guard let trace else { continue }
            let span = startSpan(name, context: trace.span.context, ofKind: .internal, at: start)
            if let outcome = outcome(index) { span.attributes["edal.outcome"] = outcome }
            if failed(index) { span.setStatus(SpanStatus(code: .error, message: outcome(index))) }
            span.end(at: end)
        }
    }
}
