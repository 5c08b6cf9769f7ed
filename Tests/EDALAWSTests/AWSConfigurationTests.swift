import Foundation
import Testing

@testable import EDALAWS

@Suite struct AWSConfigurationTests {
    /// Writes `credentials` and `config` into a fresh home directory.
    func home(credentials: String = "", config: String = "") throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("edal-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try credentials.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try config.write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        return home
    }

    func credentials(_ configuration: AWSConfiguration) async throws -> AWSCredentials {
        try await configuration.credentialProvider.credentials()
    }

    @Test func environmentWinsOverProfiles() async throws {
        let home = try home(
            credentials: "[default]\naws_access_key_id = FILE\naws_secret_access_key = filesecret\n",
            config: "[default]\nregion = eu-west-1\n")
        let configuration = try AWSConfiguration.resolve(
            environment: [
                "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok",
                "AWS_REGION": "us-west-2",
            ], homeDirectory: home)
        #expect(configuration.region == "us-west-2")
        #expect(
            try await credentials(configuration)
                == AWSCredentials(accessKeyId: "ENV", secretAccessKey: "envsecret", sessionToken: "tok"))
    }

    @Test func namedProfileFromBothFiles() async throws {
        let home = try home(
            credentials: """
                # comment
                [default]
                aws_access_key_id=DEFAULT
                aws_secret_access_key=defaultsecret

                [ci]
                aws_access_key_id = CIKEY
                aws_secret_access_key = cisecret ; trailing comment
                """,
            config: """
                [default]
                region = us-east-1
                [profile ci]
                region = ap-southeast-2
                endpoint_url = http://127.0.0.1:4566
                s3 =
                  addressing_style = path
                [sso-session corp]
                region = eu-central-1
                """
        )
        let configuration = try AWSConfiguration.resolve(environment: ["AWS_PROFILE": "ci"], homeDirectory: home)
        #expect(configuration.region == "ap-southeast-2")
        #expect(
            try await credentials(configuration) == AWSCredentials(accessKeyId: "CIKEY", secretAccessKey: "cisecret"))
        #expect(configuration.endpoint(for: .sqs) == AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 4566))
        #expect(configuration.s3AddressingStyle == .path)
    }

    @Test func defaultRegionVariableAndSharedFileVariables() throws {
        let home = try home()
        let credentialsFile = home + "/elsewhere-credentials"
        try "[default]\naws_access_key_id=K\naws_secret_access_key=S\n".write(
            toFile: credentialsFile, atomically: true, encoding: .utf8)
        let configuration = try AWSConfiguration.resolve(
            environment: [
                "AWS_DEFAULT_REGION": "eu-north-1", "AWS_SHARED_CREDENTIALS_FILE": credentialsFile,
            ], homeDirectory: "/nonexistent")
        #expect(configuration.region == "eu-north-1")
    }

    @Test func endpointPrecedence() throws {
        let configuration = try AWSConfiguration.resolve(
            environment: [
                "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_KINESIS": "http://127.0.0.1:5000/",
            ], homeDirectory: "/nonexistent")
        #expect(configuration.endpoint(for: .kinesis).description == "http://127.0.0.1:5000")
        #expect(configuration.endpoint(for: .s3).description == "http://127.0.0.1:4566")
        #expect(configuration.s3AddressingStyle == .path)

        let aws = try AWSConfiguration.resolve(
            environment: [
                "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_REGION": "eu-west-1",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            ], homeDirectory: "/nonexistent")
        #expect(aws.endpoint(for: .sqs).description == "https://sqs.eu-west-1.amazonaws.com")
        #expect(aws.s3AddressingStyle == .virtualHosted)
    }

    @Test func missingPiecesAreClearErrors() throws {
        #expect(throws: AWSConfigurationError.missingRegion(profile: "default")) {
            try AWSConfiguration.resolve(
                environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"], homeDirectory: "/nonexistent")
        }
        #expect(throws: AWSConfigurationError.missingCredentials(profile: "default")) {
            try AWSConfiguration.resolve(
                environment: ["AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"],
                homeDirectory: "/nonexistent")
        }
        #expect(throws: AWSConfigurationError.incompleteCredentials(source: "environment")) {
            try AWSConfiguration.resolve(
                environment: ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a"], homeDirectory: "/nonexistent")
        }
        #expect(throws: AWSConfigurationError.invalidEndpoint(source: "AWS_ENDPOINT_URL_SQS", value: "localhost:4566"))
        {
            try AWSConfiguration.resolve(
                environment: [
                    "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
                    "AWS_ENDPOINT_URL_SQS": "localhost:4566",
                ], homeDirectory: "/nonexistent")
        }
        let error = AWSConfigurationError.missingCredentials(profile: "default")
        #expect(error.description.contains("AWS_ACCESS_KEY_ID"))
    }

    @Test func unknownProfileIsAnError() throws {
        let home = try home(credentials: "[default]\naws_access_key_id=a\naws_secret_access_key=b\n")
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.resolve(
                environment: ["AWS_PROFILE": "nope", "AWS_REGION": "us-east-1"], homeDirectory: home)
        }
    }

    @Test(
        "credential answers with an empty key id or secret are refused (a property the credentials fuzz target checks)")
    func emptyCredentialsAreRefused() throws {
        let empty = #"{"Code":"Success","AccessKeyId":"","SecretAccessKey":"","Token":"t"}"#
        #expect(throws: CredentialProviderError.self) {
            try CredentialEndpoints.CredentialDocument.parse(empty, source: "imds")
        }
        let sts =
            "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId></AccessKeyId>"
            + "<SecretAccessKey>s</SecretAccessKey></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
        #expect(throws: CredentialProviderError.self) { try CredentialEndpoints.assumeRoleAnswer(sts, source: "sts") }
        let good = try CredentialEndpoints.assumeRoleAnswer(
            sts.replacingOccurrences(of: "<AccessKeyId></AccessKeyId>", with: "<AccessKeyId>AK</AccessKeyId>"),
            source: "sts")
        #expect(good.accessKeyId == "AK" && good.secretAccessKey == "s")
    }

    @Test func credentialsNeverPrintTheirSecret() {
        let text = String(
            describing: AWSCredentials(accessKeyId: "AKID", secretAccessKey: "very-secret", sessionToken: "token"))
        #expect(!text.contains("very-secret"))
        #expect(!text.contains("token\""))
        #expect(text.contains("AKID"))
    }
}

@Suite struct AWSEndpointTests {
    @Test func parsesURLs() {
        #expect(AWSEndpoint(url: "http://127.0.0.1:4566") == AWSEndpoint(scheme: "http", host: "127.0.0.1", port: 4566))
        #expect(AWSEndpoint(url: "HTTPS://SQS.us-east-1.amazonaws.com/")?.hostHeader == "sqs.us-east-1.amazonaws.com")
        #expect(AWSEndpoint(url: "https://example.com:443")?.hostHeader == "example.com")
        #expect(AWSEndpoint(url: "http://[::1]:9000/base/")?.hostHeader == "[::1]:9000")
        #expect(AWSEndpoint(url: "http://[::1]:9000/base/")?.basePath == "/base")
        #expect(AWSEndpoint(url: "localhost:4566") == nil)
        #expect(AWSEndpoint(url: "ftp://x") == nil)
        #expect(AWSEndpoint(url: "http://host:notaport") == nil)
    }
}

@Suite("HTTP proxy settings")
struct AWSProxyConfigurationTests {
    static func resolve(_ environment: [String: String]) throws -> AWSProxyConfiguration? {
        try AWSProxyConfiguration.resolve { environment[$0] }
    }

    @Test("HTTPS_PROXY for https endpoints, HTTP_PROXY for http ones, lower-case spellings too, credentials kept")
    func schemes() throws {
        let proxy = try #require(
            try Self.resolve(["https_proxy": "http://user:p%40ss@proxy.internal:3128", "HTTP_PROXY": "proxy.local"]))
        #expect(proxy.https == .init(host: "proxy.internal", port: 3128, credentials: "user:p@ss"))
        #expect(proxy.http == .init(host: "proxy.local", port: 80, credentials: nil))
        #expect(
            proxy.server(for: try #require(AWSEndpoint(url: "https://sqs.eu-west-1.amazonaws.com")))?.host
                == "proxy.internal")
        #expect(proxy.server(for: try #require(AWSEndpoint(url: "http://127.0.0.1:4566")))?.host == "proxy.local")
        #expect(try Self.resolve([:]) == nil)
    }

    @Test("NO_PROXY: a host and its subdomains, a leading dot for subdomains only, host:port, and *")
    func noProxy() throws {
        let proxy = try #require(
            try Self.resolve(["HTTPS_PROXY": "http://p:1", "NO_PROXY": "amazonaws.com, .internal ,s3.local:9000"]))
        func direct(_ url: String) throws -> Bool { proxy.server(for: try #require(AWSEndpoint(url: url))) == nil }
        #expect(try direct("https://sqs.us-east-1.amazonaws.com"))
        #expect(try direct("https://amazonaws.com"))
        #expect(try !direct("https://notamazonaws.com"))
        #expect(try direct("https://db.internal"))
        #expect(try !direct("https://internal"))
        #expect(try direct("https://s3.local:9000"))
        #expect(try !direct("https://s3.local"))
        #expect(
            try Self.resolve(["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"])?.server(
                for: try #require(AWSEndpoint(url: "https://x.y"))) == nil)
    }

    @Test("an https:// or unreadable proxy URL is a setting error naming the variable")
    func invalid() throws {
        #expect(
            throws: AWSConfigurationError.invalidSetting(
                name: "HTTPS_PROXY", value: "https://p:1",
                expected: "an http:// proxy URL, e.g. http://proxy.internal:3128")
        ) {
            try Self.resolve(["HTTPS_PROXY": "https://p:1"])
        }
    }
}
