import Foundation
import NIOSSL

/// The AWS SDKs' default credential chain, first match wins:
///
/// 1. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`);
/// 2. the profile's `role_arn` with `source_profile` (another profile's credentials, chains
///    allowed) or `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`):
///    assumed through STS `AssumeRole` with the profile's `external_id`, `role_session_name` and
///    `duration_seconds`, and assumed again before the session ends;
/// 3. a web identity: `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, or the profile's `role_arn`
///    with `web_identity_token_file` (EKS IAM roles for service accounts);
/// 4. the profile's `aws_access_key_id` / `aws_secret_access_key` (credentials file, then config);
/// 5. the profile's `credential_process`;
/// 6. the container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`: ECS, EKS Pod
///    Identity), then EC2 instance metadata unless `AWS_EC2_METADATA_DISABLED=true`.
struct CredentialChain {
    var env: (String) -> String?
    var credentialsFile: AWSProfileFile
    var configFile: AWSProfileFile
    /// Where STS calls are signed for and sent.
    var region: String
    var stsEndpoint: AWSEndpoint
    var tls: TLSConfiguration?

    func value(_ key: String, profile: String) -> String? {
        credentialsFile.value(key, profile: profile) ?? configFile.value(key, profile: profile)
    }

    /// The provider for `profile`, or the error that says what to set.
    func provider(profile: String) throws(AWSConfigurationError) -> any CredentialProvider {
        if let provider = try environmentKeys() { return provider }
        if value("role_arn", profile: profile) != nil, value("web_identity_token_file", profile: profile) == nil,
            let provider = try profileProvider(profile, visited: [])
        {
            return provider
        }
        if let provider = webIdentity(profile: profile) { return provider }
        if let provider = try profileProvider(profile, visited: []) { return provider }
        if let provider = try containerEndpoint() { return provider }
        if env("AWS_EC2_METADATA_DISABLED")?.lowercased() != "true" { return instanceMetadata() }
        throw .missingCredentials(profile: profile)
    }

    /// `AWS_ACCESS_KEY_ID` and its secret, when set.
    func environmentKeys() throws(AWSConfigurationError) -> StaticCredentialProvider? {
        guard let keyId = env("AWS_ACCESS_KEY_ID") else { return nil }
        guard let secret = env("AWS_SECRET_ACCESS_KEY") else { throw .incompleteCredentials(source: "environment") }
        return StaticCredentialProvider(
            AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: env("AWS_SESSION_TOKEN")),
            source: "environment")
    }

    /// What `profile` itself provides: a role to assume, keys, or a credential process.
    /// `visited`: the profiles that led here through `source_profile` (a loop is refused).
    func profileProvider(_ profile: String, visited: [String]) throws(AWSConfigurationError)
        -> (any CredentialProvider)?
    {
        if let roleARN = value("role_arn", profile: profile),
            value("web_identity_token_file", profile: profile) == nil
        {
            let base: any CredentialProvider
            if let source = value("source_profile", profile: profile) {
                if source == profile {
                    guard let keys = try profileKeys(profile) else { throw .missingCredentials(profile: profile) }
                    base = keys
                } else {
                    guard !visited.contains(source) else {
                        throw .invalidSetting(
                            name: "source_profile in profile \(profile)", value: source,
                            expected:
                                "a chain of profiles without a loop (\((visited + [profile, source]).joined(separator: " → ")))"
                        )
                    }
                    guard credentialsFile.profiles[source] != nil || configFile.profiles[source] != nil else {
                        throw .invalidSetting(
                            name: "source_profile in profile \(profile)", value: source,
                            expected: "a profile in the credentials or config file")
                    }
                    guard let found = try profileProvider(source, visited: visited + [profile]) else {
                        throw .missingCredentials(profile: source)
                    }
                    base = found
                }
            } else if let source = value("credential_source", profile: profile) {
                base = try credentialSource(source, profile: profile)
            } else {
                throw .invalidSetting(
                    name: "role_arn in profile \(profile)", value: roleARN,
                    expected: "source_profile, credential_source or web_identity_token_file beside it")
            }
            return try assumeRole(roleARN, profile: profile, base: base)
        }
        if let keys = try profileKeys(profile) { return keys }
        if let command = value("credential_process", profile: profile) {
            let source = "credential_process in profile \(profile)"
            return RefreshingCredentialProvider(source: source) {
                try await CredentialProcess.credentials(command: command, source: source)
            }
        }
        return nil
    }

    /// The profile's long-term keys, when it has them.
    func profileKeys(_ profile: String) throws(AWSConfigurationError) -> StaticCredentialProvider? {
        guard let keyId = value("aws_access_key_id", profile: profile) else { return nil }
        guard let secret = value("aws_secret_access_key", profile: profile) else {
            throw .incompleteCredentials(source: "profile \(profile)")
        }
        return StaticCredentialProvider(
            AWSCredentials(
                accessKeyId: keyId, secretAccessKey: secret,
                sessionToken: value("aws_session_token", profile: profile)),
            source: "profile \(profile)")
    }

    /// `credential_source`: where a role's base credentials come from without a profile.
    func credentialSource(_ source: String, profile: String) throws(AWSConfigurationError) -> any CredentialProvider {
        switch source {
        case "Environment":
            guard let keys = try environmentKeys() else { throw .incompleteCredentials(source: "environment") }
            return keys
        case "Ec2InstanceMetadata":
            return instanceMetadata()
        case "EcsContainer":
            guard let container = try containerEndpoint() else {
                throw .invalidSetting(
                    name: "credential_source in profile \(profile)", value: source,
                    expected: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI set for EcsContainer")
            }
            return container
        default:
            throw .invalidSetting(
                name: "credential_source in profile \(profile)", value: source,
                expected: "Environment, Ec2InstanceMetadata or EcsContainer")
        }
    }

    /// `roleARN` assumed with `base`, with the profile's `external_id`, `role_session_name` and
    /// `duration_seconds`.
    func assumeRole(_ roleARN: String, profile: String, base: any CredentialProvider) throws(AWSConfigurationError)
        -> RefreshingCredentialProvider
    {
        var duration: Int?
        if let text = value("duration_seconds", profile: profile) {
            guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                throw .invalidSetting(
                    name: "duration_seconds in profile \(profile)", value: text,
                    expected: "seconds from 900 to 43200 (STS's bounds; the role's maximum may be lower)")
            }
            duration = seconds
        }
        let request = CredentialEndpoints.AssumeRoleRequest(
            roleARN: roleARN,
            sessionName: value("role_session_name", profile: profile) ?? Self.defaultSessionName,
            externalId: value("external_id", profile: profile), durationSeconds: duration)
        return assumedRole(request, base: base, label: "role \(roleARN) (profile \(profile))")
    }

    /// A provider that assumes `request`'s role with `base` and assumes it again before it expires.
    func assumedRole(_ request: CredentialEndpoints.AssumeRoleRequest, base: any CredentialProvider, label: String)
        -> RefreshingCredentialProvider
    {
        let (endpoint, region, tls) = (stsEndpoint, region, tls)
        return RefreshingCredentialProvider(source: label) {
            try await CredentialEndpoints.assumeRole(
                request, base: base, endpoint: endpoint, region: region, tls: tls, source: label)
        }
    }

    /// A web identity from the environment or the profile.
    func webIdentity(profile: String) -> RefreshingCredentialProvider? {
        let profileHasToken = value("web_identity_token_file", profile: profile) != nil
        guard
            let roleARN = env("AWS_ROLE_ARN") ?? (profileHasToken ? value("role_arn", profile: profile) : nil),
            let tokenFile = env("AWS_WEB_IDENTITY_TOKEN_FILE") ?? value("web_identity_token_file", profile: profile)
        else { return nil }
        // EKS IAM roles for service accounts: the token file is re-read at every refresh (it rotates).
        let session =
            env("AWS_ROLE_SESSION_NAME") ?? value("role_session_name", profile: profile) ?? Self.defaultSessionName
        let (endpoint, tls) = (stsEndpoint, tls)
        return RefreshingCredentialProvider(source: "web identity \(roleARN)") {
            try await CredentialEndpoints.assumeRoleWithWebIdentity(
                roleARN: roleARN, tokenFile: tokenFile, sessionName: session, endpoint: endpoint, tls: tls)
        }
    }

    /// ECS task roles and EKS Pod Identity, when the container endpoint is set.
    func containerEndpoint() throws(AWSConfigurationError) -> RefreshingCredentialProvider? {
        guard let url = try AWSConfiguration.containerCredentialsURL(env) else { return nil }
        // The authorization token file is re-read at every refresh.
        let tokenFile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        let token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        let tls = tls
        return RefreshingCredentialProvider(source: "container endpoint \(url)") {
            let authorization =
                tokenFile.flatMap { FileManager.default.contents(atPath: $0) }
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                ?? token
            return try await CredentialEndpoints.containerCredentials(url: url, authorization: authorization, tls: tls)
        }
    }

    /// The EC2 instance metadata service (IMDSv2).
    func instanceMetadata() -> RefreshingCredentialProvider {
        let endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT") ?? "http://169.254.169.254"
        return RefreshingCredentialProvider(source: "EC2 instance metadata \(endpoint)") {
            try await CredentialEndpoints.instanceMetadataCredentials(endpoint: endpoint)
        }
    }

    /// The session name when none is configured: names this process in CloudTrail.
    static var defaultSessionName: String { "edal-\(ProcessInfo.processInfo.processIdentifier)" }
}
