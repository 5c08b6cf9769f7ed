import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one HTTP client every service client shares: it signs, sends, retries and turns error
/// answers into typed errors.
///
/// Create one per process and call `shutdown()` before exit. Its connection pool is sized for the
/// worker's long polls plus its concurrent HEAD requests; raise `maximumConnectionsPerHost` with
/// the worker count.
public final class AWSClient: Sendable {
    /// Tunables of the HTTP layer.
    public struct Options: Sendable {
        /// Concurrent connections to one host (a long poll holds one for up to 20 s).
        public var maximumConnectionsPerHost: Int
        public var connectTimeout: TimeAmount
        /// Time allowed for one ordinary request; long polls add their wait time to it.
        public var requestTimeout: TimeAmount
        /// The backoff schedule; `nil`: the configuration's retry mode's.
        public var retryPolicy: RetryPolicy?
        /// Largest response body read into memory.
        public var maximumResponseBytes: Int
        /// The `User-Agent` header: the application and its version.
        public var userAgent: String

        public init(
            maximumConnectionsPerHost: Int = 64, connectTimeout: TimeAmount = .seconds(5),
            requestTimeout: TimeAmount = .seconds(30), retryPolicy: RetryPolicy? = nil,
            maximumResponseBytes: Int = 64 << 20, userAgent: String = "edal"
        ) {
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.retryPolicy = retryPolicy
            self.maximumResponseBytes = maximumResponseBytes
            self.userAgent = userAgent
        }
    }

    public let configuration: AWSConfiguration
    public let options: Options
    /// Direct connections.
    let httpClient: HTTPClient
    /// Connections through each configured proxy.
    private let proxiedClients: [AWSProxyConfiguration.Server: HTTPClient]
    /// One signer per service, so each keeps its derived signing key (a day's key, not one per request).
    private let signers: [AWSService: SigV4Signer]
    /// Signers for other regions than the configured one, made as they are needed.
    private let regionalSigners = NIOLockedValueBox([RegionalSigner: SigV4Signer]())
    private struct RegionalSigner: Hashable {
        var service: AWSService
        var region: String
    }
    let logger: Logger
    private let sentRequests = NIOLockedValueBox([String: Int]())
    private let retriedRequests = NIOLockedValueBox([AWSRetry: Int]())
    /// The retry quota of each service, where the retry mode has one (as each SDK client has its own).
    private let retryQuotas: [AWSService: AWSRetryQuota]
    /// Seconds to add to this host's clock when signing: learnt from a service that refused a
    /// request's time and said its own in `Date` (a host whose clock drifted, as the SDKs correct).
    private let clockOffset = NIOLockedValueBox(0.0)

    /// The correction applied to this host's clock when signing (0 until a service refuses a time).
    public var clockCorrection: TimeInterval { clockOffset.withLockedValue { $0 } }

    /// HTTP requests sent since start, retries included, by `Service.Operation` (e.g. `s3.HeadObject`):
    /// what a benchmark divides by objects to get requests per object.
    public var requestCounts: [String: Int] {
        sentRequests.withLockedValue { $0 }
    }

    /// Retries since start, by operation and reason: each is one more attempt after a throttling
    /// answer, a server fault or a transport failure (the attempts per request are bounded by the
    /// retry policy).
    public var retryCounts: [AWSRetry: Int] {
        retriedRequests.withLockedValue { $0 }
    }

    public init(
        configuration: AWSConfiguration, options: Options = Options(), logger: Logger = Logger(label: "edal.aws")
    ) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        var httpConfiguration = HTTPClient.Configuration(
            timeout: .init(connect: options.connectTimeout, read: nil),
            connectionPool: .init(
                idleTimeout: .seconds(55),
                concurrentHTTP1ConnectionsPerHostSoftLimit: options.maximumConnectionsPerHost),
            decompression: .disabled
        )
        httpConfiguration.tlsConfiguration = configuration.caBundle?.tlsConfiguration
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.httpVersion = .http1Only
        // No request spans: EDAL bootstraps no tracer, and the default (no-op) one still parsed every
        // request's URL for span attributes (about 2 % of the worker's CPU in `edal-bench ceiling`).
        httpConfiguration.tracing.tracer = nil
        self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        var proxied: [AWSProxyConfiguration.Server: HTTPClient] = [:]
        for server in [configuration.proxy?.https, configuration.proxy?.http].compactMap({ $0 })
        where proxied[server] == nil {
            var through = httpConfiguration
            through.proxy = .server(
                host: server.host, port: server.port,
                authorization: server.credentials.map { .basic(credentials: Data($0.utf8).base64EncodedString()) })
            proxied[server] = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: through)
        }
        self.proxiedClients = proxied
        self.signers = Dictionary(
            uniqueKeysWithValues: AWSService.allCases.map {
                ($0, SigV4Signer(service: $0.signingName, region: configuration.region))
            })
        self.retryQuotas =
            configuration.retryMode.usesQuota
            ? Dictionary(uniqueKeysWithValues: AWSService.allCases.map { ($0, AWSRetryQuota()) }) : [:]
    }

    /// The retry tokens left for `service` (`nil` where the retry mode has no quota).
    public func retryTokens(for service: AWSService) -> Int? {
        retryQuotas[service]?.available
    }

    /// Closes every connection. Call once, when no request is in flight any more.
    public func shutdown() async throws {
        for client in proxiedClients.values { try await client.shutdown() }
        try await httpClient.shutdown()
    }

    /// A signer for `service` in the configured region.
    public func signer(for service: AWSService) -> SigV4Signer {
        signers[service] ?? SigV4Signer(service: service.signingName, region: configuration.region)
    }

    /// A signer for `service` in `region` (a bucket or queue in another region than the configured
    /// one), kept so each keeps its day's signing key.
    public func signer(for service: AWSService, region: String) -> SigV4Signer {
        if region == configuration.region { return signer(for: service) }
        return regionalSigners.withLockedValue { signers in
            if let signer = signers[RegionalSigner(service: service, region: region)] { return signer }
            let signer = SigV4Signer(service: service.signingName, region: region)
            if signers.count >= 256 { signers.removeAll() }  // regions are few; this only bounds abuse
            signers[RegionalSigner(service: service, region: region)] = signer
            return signer
        }
    }

    /// The endpoint of `service` in `region`: the configured one where set (emulators, private
    /// endpoints), else the public AWS endpoint of that region.
    public func endpoint(for service: AWSService, region: String) -> AWSEndpoint {
        configuration.endpointOverrides[service] ?? service.defaultEndpoint(region: region)
    }

    /// Signs and sends `request`, retrying throttling, 5xx answers and connection faults with backoff.
    ///
    /// - Parameters:
    ///   - extraTimeout: added to the ordinary request timeout (a long poll's wait time).
    ///   - retryPolicy: overrides the client's policy for this call.
    ///   - credentials: signs with these instead of the configuration's (a bucket's own role).
    /// - Returns: a 2xx response.
    /// - Throws: `AWSServiceError` for an error answer, `AWSTransportError` when the service
    ///   cannot be reached, `CancellationError` when the task is cancelled.
    public func send(
        _ request: AWSHTTPRequest, service: AWSService, operation: String, signer: SigV4Signer,
        extraTimeout: TimeAmount = .zero, retryPolicy: RetryPolicy? = nil,
        credentials: (any CredentialProvider)? = nil
    ) async throws -> AWSHTTPResponse {
        let policy = retryPolicy ?? options.retryPolicy ?? configuration.retryMode.policy
        let provider = credentials ?? configuration.credentialProvider
        let quota = retryQuotas[service]
        var attempt = 0
        var lastRetryCost: Int?
        while true {
            attempt += 1
            try Task.checkCancellation()
            let failure: any Error
            let reason: AWSRetry.Reason
            sentRequests.withLockedValue { $0["\(service.rawValue).\(operation)", default: 0] += 1 }
            do {
                let (response, used) = try await sendOnce(
                    request, signer: signer, credentials: provider, timeout: options.requestTimeout + extraTimeout)
                if (200..<300).contains(response.status.code) {
                    quota?.succeeded(lastRetryCost: lastRetryCost)
                    return response
                }
                let error = AWSErrorDecoder.decode(response, service: service, operation: operation)
                if attempt < policy.maximumAttempts, correctClock(after: error, response: response) {
                    failure = error
                    reason = .clockSkew
                } else if attempt < policy.maximumAttempts,
                    Self.mayBeExpired(error, request: request, response: response, credentials: used),
                    try await provider.refresh(replacing: used, certain: error.isExpiredToken) != nil
                {
                    failure = error
                    reason = .expiredCredentials
                } else {
                    guard error.isRetryable, attempt < policy.maximumAttempts else { throw error }
                    failure = error
                    reason = error.isThrottling ? .throttling : .serverError
                }
            } catch let error as AWSServiceError {
                throw error
            } catch let error as CredentialProviderError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Cancelled mid-request: the closed connection is the cancellation's doing, not a fault.
                if Task.isCancelled { throw CancellationError() }
                let underlying = String(describing: error)
                let transport = AWSTransportError(
                    service: service, operation: operation, endpoint: request.endpoint,
                    underlying: underlying, attempts: attempt,
                    isCertificateError: CertificateFailure.matches(error))
                // An untrusted certificate stays untrusted: retrying would only spend the quota.
                guard attempt < policy.maximumAttempts, !transport.isCertificateError else { throw transport }
                failure = transport
                reason = .transport
            }
            // With the service's quota spent (an outage), each request is sent once: no retry storm.
            if let quota, reason != .clockSkew, reason != .expiredCredentials {
                guard let cost = quota.acquire(afterTransportFault: reason == .transport) else { throw failure }
                lastRetryCost = cost
            }
            retriedRequests.withLockedValue {
                $0[AWSRetry(operation: "\(service.rawValue).\(operation)", reason: reason), default: 0] += 1
            }
            let delay = reason == .clockSkew || reason == .expiredCredentials ? .zero : policy.delay(retry: attempt)
            logger.debug(
                "retrying AWS request",
                metadata: [
                    "service": "\(service.rawValue)", "operation": "\(operation)", "attempt": "\(attempt)",
                    "delay_ms":
                        "\(delay.components.attoseconds / 1_000_000_000_000_000 + delay.components.seconds * 1000)",
                    "error": .error(failure),
                ])
            try await Task.sleep(for: delay)
        }
    }

    /// Whether a refusal may be the credentials' session ending: an `ExpiredToken` code, or an answer
    /// to `HEAD` (which has no body to name its code) refusing temporary credentials.
    private static func mayBeExpired(
        _ error: AWSServiceError, request: AWSHTTPRequest, response: AWSHTTPResponse, credentials: AWSCredentials
    ) -> Bool {
        if error.isExpiredToken { return true }
        return request.method == .HEAD && (error.statusCode == 400 || error.statusCode == 403)
            && response.body.isEmpty && credentials.sessionToken != nil
    }

    /// Learns the service's time from an answer that refused the request's (`mayBeClockSkew`) when
    /// its `Date` is more than 4 minutes from this host's corrected clock (AWS allows 5; a refusal
    /// within that is a wrong signature, not a clock). Answers whether the request is worth signing
    /// again.
    private func correctClock(after error: AWSServiceError, response: AWSHTTPResponse) -> Bool {
        guard error.mayBeClockSkew, let header = response.headers.first(name: "Date"),
            let serverTime = HTTPDate.parseRFC1123(header)
        else { return false }
        let skew = serverTime.timeIntervalSinceNow
        let corrected = clockOffset.withLockedValue { offset in
            guard abs(skew - offset) > 240 else { return false }
            offset = skew
            return true
        }
        if corrected {
            logger.warning(
                "a service refused this host's time; signing on the service's clock",
                metadata: ["service": "\(error.service.rawValue)", "code": "\(error.code)", "offset_s": "\(Int(skew))"])
        }
        return corrected
    }

    private func sendOnce(
        _ request: AWSHTTPRequest, signer: SigV4Signer, credentials provider: any CredentialProvider,
        timeout: TimeAmount
    ) async throws -> (AWSHTTPResponse, AWSCredentials) {
        let credentials = try await provider.credentials()
        var headers = request.headers
        let signingRequest = SigV4Request(
            method: request.method.rawValue, host: request.endpoint.hostHeader, path: request.fullPath,
            query: request.query, headers: headers, body: request.body
        )
        let now = Date().addingTimeInterval(clockOffset.withLockedValue { $0 })
        headers.append(contentsOf: signer.sign(signingRequest, credentials: credentials, date: now))
        let hasBody = !request.body.isEmpty || request.method == .PUT || request.method == .POST
        var httpHeaders = HTTPHeaders()
        httpHeaders.reserveCapacity(headers.count + 3)
        httpHeaders.add(name: "Host", value: request.endpoint.hostHeader)
        httpHeaders.add(name: "User-Agent", value: options.userAgent)
        for header in headers { httpHeaders.add(name: header.name, value: header.value) }
        let body = hasBody ? ByteBuffer(bytes: request.body) : nil
        let proxied = configuration.proxy?.server(for: request.endpoint).flatMap { proxiedClients[$0] }

        let client = proxied ?? httpClient
        // AsyncHTTPClient's `async` API, its most used path: the `EventLoopFuture` API with a
        // collecting delegate cost the same within this machine's noise, and one `make test` run
        // with it stopped on a precondition in the connection pool (docs/performance.md).
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = request.method
        httpRequest.headers = httpHeaders
        httpRequest.body = body.map { .bytes($0) }
        let answer = try await client.execute(httpRequest, timeout: timeout, logger: nil)
        var responseBody: [UInt8] = []
        if request.method != .HEAD {
            var buffer = try await answer.body.collect(upTo: options.maximumResponseBytes)
            responseBody = buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        let response = AWSHTTPResponse(status: answer.status, headers: answer.headers, body: responseBody)
        return (response, credentials)
    }
}
