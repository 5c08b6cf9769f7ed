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
    /// The region S3 says the bucket is in (the `x-amz-bucket-region` header, or the `Region` an
    /// `AuthorizationHeaderMalformed` answer names): how S3 points a request signed for the wrong
    /// region at the right one.
    public var bucketRegion: String?

    public init(
        service: AWSService, operation: String, code: String, message: String, statusCode: Int,
        requestId: String? = nil,
        bucketRegion: String? = nil
    ) {
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.requestId = requestId
        self.bucketRegion = bucketRegion
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

    /// Codes with which services refuse credentials whose session has ended.
    static let expiredTokenCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"]

    /// `true` when the credentials' session has ended: refreshed credentials will do.
    public var isExpiredToken: Bool { Self.expiredTokenCodes.contains(code) }

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
    /// The service's TLS certificate was not trusted (or named another host): no retry helps.
    public var isCertificateError: Bool = false

    public var description: String {
        if isCertificateError {
            return
                "\(service.rawValue) \(operation) could not verify the TLS certificate of \(endpoint): \(underlying); \(CertificateFailure.advice)"
        }
        return
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
