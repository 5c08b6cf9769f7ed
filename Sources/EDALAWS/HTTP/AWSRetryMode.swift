/// How the AWS layer retries a request, as the AWS SDKs configure it: `retry_mode` and
/// `max_attempts` in the profile, `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` in the environment.
///
/// - `standard` (the default): three attempts, full-jitter backoff of up to 1 s, 2 s, 4 s … capped
///   at 20 s, and a retry quota per service (`AWSRetryQuota`), so an outage does not multiply the
///   load on the service that is down.
/// - `legacy`: EDAL's earlier schedule — five attempts, 50 ms doubling to at most 5 s, no quota.
///
/// `adaptive` (client-side rate limiting) is refused with a message: EDAL does not implement it.
public struct AWSRetryMode: Sendable, Equatable {
    public enum Strategy: String, Sendable, Equatable {
        case standard
        case legacy
    }

    public var strategy: Strategy
    /// Attempts in all, the first one included.
    public var maximumAttempts: Int

    public init(strategy: Strategy = .standard, maximumAttempts: Int? = nil) {
        self.strategy = strategy
        self.maximumAttempts = max(1, maximumAttempts ?? (strategy == .standard ? 3 : 5))
    }

    /// The backoff schedule of this mode.
    public var policy: RetryPolicy {
        switch strategy {
        case .standard:
            RetryPolicy(maximumAttempts: maximumAttempts, baseDelay: .seconds(1), maximumDelay: .seconds(20))
        case .legacy:
            RetryPolicy(maximumAttempts: maximumAttempts)
        }
    }

    /// Whether retries draw on a quota (`standard` only, as in the SDKs).
    public var usesQuota: Bool { strategy == .standard }

    /// Reads the mode from the environment's value (or the profile's) and the attempts likewise.
    /// - Throws: `AWSConfigurationError.invalidSetting` naming the variable or profile key.
    static func resolve(
        mode: (source: String, value: String)?, attempts: (source: String, value: String)?
    ) throws(AWSConfigurationError) -> AWSRetryMode {
        var strategy = Strategy.standard
        if let mode {
            switch mode.value.lowercased() {
            case "standard": strategy = .standard
            case "legacy": strategy = .legacy
            case "adaptive":
                throw .invalidSetting(
                    name: mode.source, value: mode.value,
                    expected: "standard or legacy (EDAL has no client-side rate limiting, which adaptive is)")
            default:
                throw .invalidSetting(name: mode.source, value: mode.value, expected: "standard or legacy")
            }
        }
        var maximumAttempts: Int?
        if let attempts {
            guard let count = Int(attempts.value), count >= 1 else {
                throw .invalidSetting(name: attempts.source, value: attempts.value, expected: "a whole number ≥ 1")
            }
            maximumAttempts = count
        }
        return AWSRetryMode(strategy: strategy, maximumAttempts: maximumAttempts)
    }
}
