import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Fetches temporary credentials from the places containers get them: STS for a web identity token
/// (EKS IAM roles for service accounts), the container credentials endpoint (ECS, EKS Pod Identity),
/// and the EC2 instance metadata service (IMDSv2). Unsigned HTTP on `HTTPClient.shared`; `tls`, where
/// given, is the configured CA bundle's (`AWSCABundle`), for endpoints reached over `https`.
enum CredentialEndpoints {
    /// Answers of the container endpoint and IMDS, and a `credential_process`'s output: the same
    /// JSON shape, but the process names its token `SessionToken` and says its `Version`.
    struct CredentialDocument: Decodable {
        var accessKeyId: String
        var secretAccessKey: String
        var token: String?
        var sessionToken: String?
        var expiration: String?
        var code: String?
        var version: Int?

        enum CodingKeys: String, CodingKey {
            case accessKeyId = "AccessKeyId"
            case secretAccessKey = "SecretAccessKey"
            case token = "Token"
            case sessionToken = "SessionToken"
            case expiration = "Expiration"
            case code = "Code"
            case version = "Version"
        }

        /// Decodes an endpoint's answer into credentials, or says what was wrong with it.
        static func parse(_ text: String, source: String) throws -> AWSCredentials {
            let document: CredentialDocument
            do {
                document = try JSONDecoder().decode(CredentialDocument.self, from: Data(text.utf8))
            } catch {
                throw CredentialProviderError(source: source, reason: "unexpected answer: \(error)")
            }
            return try document.credentials(source: source)
        }

        func credentials(source: String) throws -> AWSCredentials {
            if let code, code != "Success" {
                throw CredentialProviderError(source: source, reason: "the endpoint answered Code \(code)")
            }
            guard !accessKeyId.isEmpty, !secretAccessKey.isEmpty else {
                throw CredentialProviderError(
                    source: source, reason: "the answer has an empty AccessKeyId or SecretAccessKey")
            }
            return AWSCredentials(
                accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: token ?? sessionToken,
                expiration: expiration.flatMap(HTTPDate.parseISO8601))
        }
    }

    static func get(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil,
        source: String, timeout: TimeAmount = .seconds(2), tls: TLSConfiguration? = nil
    ) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.tlsConfiguration = tls
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            if CertificateFailure.matches(error) {
                throw CredentialProviderError(
                    source: source,
                    reason: "the TLS certificate of \(url) is not trusted: \(error); \(CertificateFailure.advice)")
            }
            throw CredentialProviderError(source: source, reason: "\(url) cannot be reached: \(error)")
        }
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard (200..<300).contains(response.status.code) else {
            throw CredentialProviderError(
                source: source, reason: "\(url) answered \(response.status.code): \(text.prefix(300))")
        }
        return text
    }

    // MARK: STS AssumeRoleWithWebIdentity

    static func assumeRoleWithWebIdentity(
        roleARN: String, tokenFile: String, sessionName: String, endpoint: AWSEndpoint, tls: TLSConfiguration?
    ) async throws -> AWSCredentials {
        let source = "web identity (\(roleARN))"
        guard let tokenData = FileManager.default.contents(atPath: tokenFile) else {
            throw CredentialProviderError(source: source, reason: "cannot read the token file \(tokenFile)")
        }
        let token = String(decoding: tokenData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ].map { "\($0.0)=\(SigV4Encoding.encode($0.1, keepingSlashes: false))" }.joined(separator: "&")
        let text = try await get(
            "\(endpoint.description)\(endpoint.basePath.isEmpty ? "/" : "")", method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: form, source: source, timeout: .seconds(10), tls: tls)
        return try assumeRoleAnswer(text, source: source)
    }

    // MARK: STS AssumeRole

    /// What `AssumeRole` asks for besides the role.
    struct AssumeRoleRequest: Sendable {
        var roleARN: String
        var sessionName: String
        /// The external id the role's trust policy requires, if it does.
        var externalId: String?
        /// The session's length in seconds (STS's default, one hour, when `nil`).
        var durationSeconds: Int?
    }

    /// Assumes `request.roleARN` with `base`'s credentials: a signed `AssumeRole` call to STS.
    static func assumeRole(
        _ request: AssumeRoleRequest, base: any CredentialProvider, endpoint: AWSEndpoint, region: String,
        tls: TLSConfiguration?, source: String
    ) async throws -> AWSCredentials {
        var fields = [
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", request.roleARN),
            ("RoleSessionName", request.sessionName),
        ]
        if let externalId = request.externalId { fields.append(("ExternalId", externalId)) }
        if let duration = request.durationSeconds { fields.append(("DurationSeconds", String(duration))) }
        let form = fields.map { "\($0.0)=\(SigV4Encoding.encode($0.1, keepingSlashes: false))" }.joined(separator: "&")
        let credentials: AWSCredentials
        do {
            credentials = try await base.credentials()
        } catch {
            throw CredentialProviderError(source: source, reason: "the credentials to assume it with failed: \(error)")
        }
        let path = endpoint.basePath.isEmpty ? "/" : endpoint.basePath
        let contentType = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        let signed = SigV4Signer(service: AWSService.sts.signingName, region: region).sign(
            SigV4Request(
                method: "POST", host: endpoint.hostHeader, path: path, headers: [contentType],
                body: Array(form.utf8)),
            credentials: credentials)
        let text = try await get(
            "\(endpoint.scheme)://\(endpoint.hostHeader)\(path)", method: .POST,
            headers: [("Host", endpoint.hostHeader), contentType] + signed.map { ($0.name, $0.value) },
            body: form, source: source, timeout: .seconds(10), tls: tls)
        return try assumeRoleAnswer(text, source: source, result: "AssumeRoleResult")
    }

    /// Reads STS's `AssumeRoleWithWebIdentity` (or, with `result`, `AssumeRole`) answer into
    /// credentials, or says what was wrong with it.
    static func assumeRoleAnswer(
        _ text: String, source: String, result: String = "AssumeRoleWithWebIdentityResult"
    ) throws -> AWSCredentials {
        let root: XMLNode
        do {
            root = try XMLDocumentParser.parse(Array(text.utf8))
        } catch {
            throw CredentialProviderError(source: source, reason: "STS answered something that is not XML: \(error)")
        }
        guard let credentials = root.child(result)?.child("Credentials"),
            let keyId = credentials.text(of: "AccessKeyId"), !keyId.isEmpty,
            let secret = credentials.text(of: "SecretAccessKey"), !secret.isEmpty
        else {
            throw CredentialProviderError(source: source, reason: "STS's answer has no credentials")
        }
        return AWSCredentials(
            accessKeyId: keyId, secretAccessKey: secret, sessionToken: credentials.text(of: "SessionToken"),
            expiration: credentials.text(of: "Expiration").flatMap(HTTPDate.parseISO8601))
    }

    // MARK: Container credentials (ECS, EKS Pod Identity)

    static func containerCredentials(url: String, authorization: String?, tls: TLSConfiguration?) async throws
        -> AWSCredentials
    {
        let source = "container credentials endpoint"
        let text = try await get(
            url, headers: authorization.map { [("Authorization", $0)] } ?? [], source: source, tls: tls)
        return try CredentialDocument.parse(text, source: source)
    }

    // MARK: EC2 instance metadata (IMDSv2)

    static func instanceMetadataCredentials(endpoint: String) async throws -> AWSCredentials {
        let source = "EC2 instance metadata"
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        let token = try await get(
            "\(base)/latest/api/token", method: .PUT,
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], source: source, timeout: .seconds(1))
        let tokenHeader = [("X-aws-ec2-metadata-token", token)]
        let roles = try await get(
            "\(base)/latest/meta-data/iam/security-credentials/", headers: tokenHeader, source: source)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw CredentialProviderError(source: source, reason: "the instance has no IAM role")
        }
        let text = try await get(
            "\(base)/latest/meta-data/iam/security-credentials/\(role)", headers: tokenHeader, source: source)
        return try CredentialDocument.parse(text, source: source)
    }
}
