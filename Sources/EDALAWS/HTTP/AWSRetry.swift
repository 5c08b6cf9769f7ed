/// One kind of retry the HTTP layer made: which operation, and why.
public struct AWSRetry: Sendable, Hashable {
    /// Why a request was sent again.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The service asked to slow down (`SlowDown`, `ProvisionedThroughputExceededException`, 429 …).
        case throttling
        /// A 5xx or another answer the service documents as retryable.
        case serverError = "server_error"
        /// No usable answer: connection refused or reset, a timeout, a cut response.
        case transport
        /// The service refused the request's time (`RequestTimeTooSkewed`, `Signature expired` …)
        /// and its `Date` says this host's clock is off: signed again on the service's time.
        case clockSkew = "clock_skew"
        /// The service said the credentials' session expired (`ExpiredToken`, or a bodiless `HEAD`
        /// refusal signed with temporary credentials): signed again with refreshed credentials.
        case expiredCredentials = "expired_credentials"
    }

    /// `service.Operation`, e.g. `s3.HeadObject`.
    public var operation: String
    public var reason: Reason

    public init(operation: String, reason: Reason) {
        self.operation = operation
        self.reason = reason
    }
}
