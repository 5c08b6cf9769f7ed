import NIOConcurrencyHelpers

/// The retry quota of the SDKs' standard retry mode: a bucket of 500 tokens per service. A retry
/// takes 5 (10 after a timeout or a connection fault); a request answered on its first attempt
/// puts 1 back, one answered after retries puts back what its last retry took. With the bucket
/// empty, failures are not retried: during an outage each request is sent once, not three times.
public final class AWSRetryQuota: Sendable {
    public static let capacity = 500
    public static let retryCost = 5
    public static let timeoutRetryCost = 10

    private let tokens: NIOLockedValueBox<Int>

    public init(tokens: Int = AWSRetryQuota.capacity) {
        self.tokens = NIOLockedValueBox(min(tokens, Self.capacity))
    }

    /// The tokens left.
    public var available: Int { tokens.withLockedValue { $0 } }

    /// Takes the cost of one retry; `nil` when the quota cannot pay it (do not retry).
    func acquire(afterTransportFault: Bool) -> Int? {
        let cost = afterTransportFault ? Self.timeoutRetryCost : Self.retryCost
        return tokens.withLockedValue { tokens in
            guard tokens >= cost else { return nil }
            tokens -= cost
            return cost
        }
    }

    /// A request succeeded: after retries, `lastRetryCost` comes back; on the first attempt, 1.
    func succeeded(lastRetryCost: Int?) {
        tokens.withLockedValue { $0 = min(Self.capacity, $0 + (lastRetryCost ?? 1)) }
    }
}
