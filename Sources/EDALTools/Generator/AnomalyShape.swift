/// The kinds of trouble the synthetic generator injects, each labelled in the manifest.
public enum AnomalyShape: String, Sendable, Codable, CaseIterable {
    /// Many more error records than the service's usual rate.
    case errorBurst = "error-burst"
    /// Latencies several times the service's usual (traces and metrics).
    case latencySpike = "latency-spike"
    /// An object many times its usual size.
    case sizeBlowUp = "size-blow-up"
    /// A near-empty object: a shipper that went quiet.
    case silentGap = "silent-gap"
    /// Log records at a severity the service never logs (logs).
    case unseenSeverity = "unseen-severity"

    /// The shapes that make sense for `kind`.
    public static func applicable(to kind: TelemetryKind) -> [AnomalyShape] {
        switch kind {
        case .logs: return [.errorBurst, .sizeBlowUp, .silentGap, .unseenSeverity]
        case .traces, .metrics: return [.errorBurst, .latencySpike, .sizeBlowUp, .silentGap]
        case .events: return [.errorBurst, .sizeBlowUp, .silentGap]
        }
    }
}
