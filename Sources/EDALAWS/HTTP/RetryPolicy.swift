/// Capped exponential backoff with full jitter, as the AWS SDKs use — and the one backoff
/// schedule of every loop that waits after failures (without jitter, `delayCeiling`: the worker's
/// receive pause, held retries, visibility extensions).
///
/// The delay before retry `n` (1-based) is a uniform random duration in
/// `0 ... min(maximumDelay, baseDelay × 2^(n-1))`.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first one included; 1 means no retry.
    public var maximumAttempts: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration

    /// The defaults, five attempts 50 ms doubling to at most 5 s, are the `legacy` retry mode's
    /// schedule (`AWSRetryMode`; the default mode, `standard`, makes three attempts with up to 1 s,
    /// 2 s … 20 s between them).
    public init(maximumAttempts: Int = 5, baseDelay: Duration = .milliseconds(50), maximumDelay: Duration = .seconds(5))
    {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// A single attempt.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The upper bound of the delay before retry number `retry` (1-based).
    public func delayCeiling(retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = baseDelay * (1 << exponent)
        return min(ceiling, maximumDelay)
    }

    /// A full-jitter delay before retry number `retry` (1-based).
    public func delay<Generator: RandomNumberGenerator>(retry: Int, using generator: inout Generator) -> Duration {
        Self.fullJitter(upTo: delayCeiling(retry: retry), using: &generator)
    }

    /// A random duration in `0...ceiling`, to the nanosecond.
    public static func fullJitter<Generator: RandomNumberGenerator>(
        upTo ceiling: Duration, using generator: inout Generator
    ) -> Duration {
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }

    public func delay(retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(retry: retry, using: &generator)
    }
}
