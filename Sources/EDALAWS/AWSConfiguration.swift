import Foundation

/// Region, credentials and endpoints, resolved the way the AWS SDKs resolve them.
///
/// Order of precedence, first match wins:
/// - credentials: the SDKs' chain (see `CredentialChain`) for the profile (`AWS_PROFILE`, else
///   `default`) in `~/.aws/credentials` and `~/.aws/config`;
/// - region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`;
/// - endpoint of a service: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's
///   `endpoint_url`, else the public AWS endpoint. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips
///   the configured ones;
/// - proxy: `HTTPS_PROXY` / `HTTP_PROXY` with `NO_PROXY` (see `AWSProxyConfiguration`);
/// - retries: `AWS_RETRY_MODE`, the profile's `retry_mode`; `AWS_MAX_ATTEMPTS`, the profile's
///   `max_attempts` (see `AWSRetryMode`);
/// - trusted certificate authorities: `AWS_CA_BUNDLE`, the profile's `ca_bundle` (see `AWSCABundle`).
public struct AWSConfiguration: Sendable {
    /// How S3 buckets are addressed.
    public enum S3AddressingStyle: String, Sendable {
        /// `https://s3.region.amazonaws.com/bucket/key`: what emulators need.
        case path
        /// `https://bucket.s3.region.amazonaws.com/key`: what AWS prefers.
        case virtualHosted = "virtual"
    }

    public var region: String
    public var credentialProvider: any CredentialProvider
    /// Endpoints set by configuration; services not listed use the public AWS endpoint.
    public var endpointOverrides: [AWSService: AWSEndpoint]
    public var s3AddressingStyle: S3AddressingStyle
    /// The HTTP proxy for service requests (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`); `nil`: direct.
    public var proxy: AWSProxyConfiguration?
    /// How requests are retried.
    public var retryMode: AWSRetryMode
    /// The certificate authorities trusted instead of the system's; `nil`: the system's.
    public var caBundle: AWSCABundle?

    public init(
        region: String, credentialProvider: any CredentialProvider,
        endpointOverrides: [AWSService: AWSEndpoint] = [:], s3AddressingStyle: S3AddressingStyle? = nil,
        proxy: AWSProxyConfiguration? = nil, retryMode: AWSRetryMode = AWSRetryMode(), caBundle: AWSCABundle? = nil
    ) {
        self.proxy = proxy
        self.caBundle = caBundle
        self.retryMode = retryMode
        self.region = region
        self.credentialProvider = credentialProvider
        self.endpointOverrides = endpointOverrides
        self.s3AddressingStyle = s3AddressingStyle ?? (endpointOverrides[.s3] == nil ? .virtualHosted : .path)
    }

    /// The endpoint requests to `service` go to.
    public func endpoint(for service: AWSService) -> AWSEndpoint {
        endpointOverrides[service] ?? service.defaultEndpoint(region: region)
    }

    /// `roleARN`'s credentials, assumed through STS (this configuration's region and endpoint) with
    /// this configuration's credentials, and assumed again before the session ends: a bucket's own
    /// role in the account that owns it.
    ///
    /// - Parameter label: names the credentials in logs and errors (e.g. the bucket they are for).
    public func assumedRole(_ roleARN: String, sessionName: String, externalId: String? = nil, label: String)
        -> RefreshingCredentialProvider
    {
        CredentialChain(
            env: { _ in nil }, credentialsFile: AWSProfileFile(), configFile: AWSProfileFile(), region: region,
            stsEndpoint: endpoint(for: .sts), tls: caBundle?.tlsConfiguration
        ).assumedRole(
            .init(roleARN: roleARN, sessionName: sessionName, externalId: externalId, durationSeconds: nil),
            base: credentialProvider, label: label)
    }

    /// Resolves the configuration from environment variables and the shared files.
    ///
    /// - Parameters:
    ///   - environment: the process environment (tests pass their own).
    ///   - homeDirectory: where `.aws/` is looked for when `AWS_SHARED_CREDENTIALS_FILE` /
    ///     `AWS_CONFIG_FILE` are not set.
    ///   - s3AddressingStyle: the caller's choice; `nil` picks path style with a configured S3
    ///     endpoint (emulators) and virtual-hosted style on AWS.
    /// - Throws: `AWSConfigurationError` naming what is missing and how to set it.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String? = nil,
        s3AddressingStyle: S3AddressingStyle? = nil
    ) throws(AWSConfigurationError) -> AWSConfiguration {
        func env(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        let home = homeDirectory ?? env("HOME") ?? NSHomeDirectory()
        let credentialsPath = env("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials"
        let configPath = env("AWS_CONFIG_FILE") ?? "\(home)/.aws/config"
        let credentialsFile = readProfileFile(credentialsPath, isConfigFile: false)
        let configFile = readProfileFile(configPath, isConfigFile: true)
        let profileWasChosen = env("AWS_PROFILE") != nil
        let profile = env("AWS_PROFILE") ?? "default"

        if profileWasChosen, credentialsFile.profiles[profile] == nil, configFile.profiles[profile] == nil {
            throw .profileNotFound(profile: profile, searched: [credentialsPath, configPath])
        }
        func profileValue(_ key: String) -> String? {
            credentialsFile.value(key, profile: profile) ?? configFile.value(key, profile: profile)
        }

        guard
            let region = env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? configFile.value("region", profile: profile)
                ?? credentialsFile.value("region", profile: profile)
        else {
            throw .missingRegion(profile: profile)
        }

        var overrides: [AWSService: AWSEndpoint] = [:]
        let ignoreConfigured = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true"
        if !ignoreConfigured {
            for service in AWSService.allCases {
                let variable = "AWS_ENDPOINT_URL_\(service.endpointVariableSuffix)"
                let candidates: [(String, String?)] = [
                    (variable, env(variable)),
                    ("AWS_ENDPOINT_URL", env("AWS_ENDPOINT_URL")),
                    ("endpoint_url in profile \(profile)", configFile.value("endpoint_url", profile: profile)),
                ]
                guard let (source, value) = candidates.first(where: { $0.1 != nil }), let url = value else { continue }
                guard let endpoint = AWSEndpoint(url: url) else { throw .invalidEndpoint(source: source, value: url) }
                overrides[service] = endpoint
            }
        }

        let caBundle = try
            (env("AWS_CA_BUNDLE").map { ("AWS_CA_BUNDLE", $0) }
            ?? profileValue("ca_bundle").map { ("ca_bundle in profile \(profile)", $0) })
            .map { source, path throws(AWSConfigurationError) in try AWSCABundle(path: path, source: source) }
        let tls = caBundle?.tlsConfiguration

        let chain = CredentialChain(
            env: env, credentialsFile: credentialsFile, configFile: configFile, region: region,
            stsEndpoint: overrides[.sts] ?? AWSService.sts.defaultEndpoint(region: region), tls: tls)
        let provider = try chain.provider(profile: profile)

        func setting(_ variable: String, _ key: String) -> (source: String, value: String)? {
            if let value = env(variable) { return (variable, value) }
            return profileValue(key).map { ("\(key) in profile \(profile)", $0) }
        }
        let retryMode = try AWSRetryMode.resolve(
            mode: setting("AWS_RETRY_MODE", "retry_mode"), attempts: setting("AWS_MAX_ATTEMPTS", "max_attempts"))
        return AWSConfiguration(
            region: region, credentialProvider: provider, endpointOverrides: overrides,
            s3AddressingStyle: s3AddressingStyle, proxy: try AWSProxyConfiguration.resolve(env), retryMode: retryMode,
            caBundle: caBundle)
    }

    /// The container credentials URL from `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (ECS) or
    /// `_FULL_URI` (which must be HTTPS, loopback, or the ECS/EKS link-local hosts, as the SDKs require).
    static func containerCredentialsURL(_ env: (String) -> String?) throws(AWSConfigurationError) -> String? {
        if let relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI") else { return nil }
        guard let endpoint = AWSEndpoint(url: full) else {
            throw .invalidEndpoint(source: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: full)
        }
        let allowedHosts: Set<String> = [
            "127.0.0.1", "localhost", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",
            "fd00:ec2::23",
        ]
        guard endpoint.scheme == "https" || allowedHosts.contains(endpoint.host) else {
            throw .invalidSetting(
                name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: full,
                expected: "an https URL, or http to a loopback address, 169.254.170.2 or 169.254.170.23")
        }
        return full
    }

    private static func readProfileFile(_ path: String, isConfigFile: Bool) -> AWSProfileFile {
        guard let data = FileManager.default.contents(atPath: path) else { return AWSProfileFile() }
        return AWSProfileFile(parsing: String(decoding: data, as: UTF8.self), isConfigFile: isConfigFile)
    }
}

/// What is wrong with the AWS configuration, and how to put it right.
public enum AWSConfigurationError: Error, Equatable, CustomStringConvertible {
    case missingRegion(profile: String)
    case missingCredentials(profile: String)
    case incompleteCredentials(source: String)
    case profileNotFound(profile: String, searched: [String])
    case invalidEndpoint(source: String, value: String)
    case invalidSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .missingRegion(let profile):
            return
                "no AWS region is configured: set AWS_REGION (e.g. us-east-1) or `region` in profile \(profile) of ~/.aws/config"
        case .missingCredentials(let profile):
            return
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, aws_access_key_id/aws_secret_access_key in profile \(profile) of ~/.aws/credentials, AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE, or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI (instance metadata is off: AWS_EC2_METADATA_DISABLED=true)"
        case .incompleteCredentials(let source):
            return
                "AWS credentials from \(source) have an access key id but no secret access key: set AWS_SECRET_ACCESS_KEY or aws_secret_access_key"
        case .profileNotFound(let profile, let searched):
            return
                "AWS_PROFILE names profile \(profile), which is in neither \(searched.joined(separator: " nor ")): fix AWS_PROFILE or add the profile"
        case .invalidEndpoint(let source, let value):
            return "\(source) is not an http(s) URL: \(value)"
        case .invalidSetting(let name, let value, let expected):
            return "\(name)=\(value) is not valid: expected \(expected)"
        }
    }
}
