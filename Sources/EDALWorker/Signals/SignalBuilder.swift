import EDALAWS
import EDALDetection
import EDALState
import Foundation

/// Builds signals from what detection found: the schema's own types filled from findings.
public enum SignalBuilder {
    /// The signal about one object.
    public static func objectSignal(
        _ verdict: SourceVerdict, head: S3ObjectHead, candidate: ObjectCandidate, mode: Signal.Mode,
        dedupe: DedupeScope = .content, metadata policy: SignalMetadataPolicy = SignalMetadataPolicy(),
        producer: String, now: Date = Date()
    ) -> Signal {
        Signal(
            signalId: SignalID.make(
                bucket: head.bucket, key: head.key, eTag: head.eTag, versionId: dedupe.signalVersion(head.versionId)),
            emittedAt: now,
            anomalous: verdict.anomalous,
            check: verdict.findings.first?.check.rawValue ?? "none",
            source: Signal.Source(
                id: verdict.sourceId, template: verdict.source.template, producer: verdict.source.producer,
                state: verdict.baseline.state.rawValue),
            service: policy.service(head.metadata),
            score: verdict.score,
            reasons: verdict.findings.map { reason(policy.apply($0)) },
            baseline: baseline(verdict.baseline),
            detector: Signal.DetectorInfo(mode: mode),
            evidence: Signal.Evidence(
                uri: "s3://\(head.bucket)/\(head.key)", bucket: head.bucket, key: head.key, versionId: head.versionId,
                eTag: head.eTag, size: head.contentLength, lastModified: head.lastModified,
                contentType: head.contentType,
                contentEncoding: head.contentEncoding, storageClass: head.storageClass,
                metadata: policy.apply(head.metadata)
            ),
            origin: Signal.Origin(
                via: candidate.via.rawValue, eventName: candidate.event.eventName,
                eventTime: candidate.event.eventTime, sequencer: candidate.event.sequencer),
            producer: producer,
            traceId: candidate.trace?.traceId
        )
    }

    /// The signal about a source event; its evidence is the source's last object.
    public static func sourceSignal(
        _ event: SourceEvent, via: String, mode: Signal.Mode, producer: String, now: Date = Date()
    ) -> Signal {
        let last = event.lastObject
        return Signal(
            signalId: SignalID.source(
                bucket: event.bucket, template: event.template, check: event.finding.check.rawValue,
                episode: event.episode),
            emittedAt: now,
            anomalous: event.finding.check != .newSource && event.finding.check != .resumed,
            check: event.finding.check.rawValue,
            source: Signal.Source(
                id: event.sourceId, template: event.template, producer: event.producer,
                state: event.baseline.state.rawValue),
            service: nil,
            score: nil,
            reasons: [reason(event.finding)],
            baseline: baseline(event.baseline),
            detector: Signal.DetectorInfo(mode: mode),
            evidence: Signal.Evidence(
                uri: "s3://\(event.bucket)/\(last?.key ?? "")", bucket: event.bucket, key: last?.key ?? "",
                versionId: last?.versionId,
                eTag: last?.eTag ?? "", size: last?.size ?? 0, lastModified: last?.lastModified, contentType: nil,
                contentEncoding: nil, storageClass: nil, metadata: [:]
            ),
            origin: Signal.Origin(via: via, eventName: nil, eventTime: nil, sequencer: nil),
            producer: producer
        )
    }

    static func reason(_ finding: Finding) -> Signal.Reason {
        Signal.Reason(
            check: finding.check.rawValue, field: finding.field, value: finding.value, observed: finding.observed,
            expected: finding.expected, deviation: finding.deviation.flatMap { $0.isFinite ? $0 : nil },
            detail: finding.detail)
    }

    static func baseline(_ summary: BaselineSummary) -> Signal.Baseline {
        Signal.Baseline(
            objects: summary.objects, recent: summary.recent, cadenceSeconds: summary.cadenceSeconds,
            medianSize: summary.medianSize, medianLagSeconds: summary.medianLagSeconds)
    }
}
