import NIOHTTP1

/// An error answer from an AWS service: its code (e.g. `NoSuchBucket`, `QueueDoesNotExist`), message,
/// HTTP status and request id.
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: AWSService
    /// The operation that failed, e.g. `HeadObject`.
    public var operation: String
    /// The error code with any namespace removed (`com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`).
    public var code: String
    public var message: String
    public var statusCode: Int
    public var requestId: String?

    public init(
        service: AWSService, operation: String, code: String, message: String, statusCode: Int, requestId: String? = nil
    ) {
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.requestId = requestId
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException", "KMSThrottlingException",
    ]
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
        "InternalServerError", "ServiceUnavailableException",
    ]

    /// Codes with which services refuse a request signed at a time too far from theirs (or an
    /// expired signature, which a skewed clock also causes).
    static let clockSkewCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
        "SignatureDoesNotMatch", "AuthFailure", "InvalidSignature",
    ]

    /// `true` when the answer may mean this host's clock is off (whether it is, the answer's `Date` says).
    public var mayBeClockSkew: Bool { Self.clockSkewCodes.contains(code) }

    /// `true` for throttling and server-side faults, which a retry may cure.
    public var isRetryable: Bool {
        statusCode >= 500 || statusCode == 429 || Self.throttlingCodes.contains(code)
            || Self.transientCodes.contains(code)
    }

    /// `true` when the service asked us to slow down.
    public var isThrottling: Bool {
        statusCode == 429 || Self.throttlingCodes.contains(code)
    }

    public var description: String {
        "\(service.rawValue) \(operation) failed: \(code) (HTTP \(statusCode)): \(message)"
            + (requestId.map { " [request \($0)]" } ?? "")
    }
}

/// The service could not be reached or did not answer in time; retried with backoff before surfacing.
public struct AWSTransportError: Error, Sendable, CustomStringConvertible {
    public var service: AWSService
    public var operation: String
    public var endpoint: AWSEndpoint
    /// What the HTTP layer reported (connection refused, timeout, reset …).
    public var underlying: String
    /// Attempts made, retries included.
    public var attempts: Int

    public var description: String {
        "\(service.rawValue) \(operation) could not reach \(endpoint) after \(attempts) attempt(s): \(underlying); check that the endpoint is right and the service is up"
    }
}

/// A service answered with something this client cannot read; a bug or an incompatible emulator.
public struct AWSResponseDecodingError: Error, Sendable, CustomStringConvertible {
    public var service: AWSService
    public var operation: String
    public var reason: String

    public init(service: AWSService, operation: String, reason: String) {
        self.service = service
        self.operation = operation
        self.reason = reason
    }

    public var description: String {
        "\(service.rawValue) \(operation) returned a response that could not be read: \(reason)"
    }
}
