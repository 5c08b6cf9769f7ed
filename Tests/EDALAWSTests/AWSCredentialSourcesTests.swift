import Foundation
import Testing

@testable import EDALAWS

/// Profiles that assume roles, and the CA bundle: checked when the configuration is resolved.
@Suite struct AWSCredentialSourcesTests {
    /// A fresh home directory whose `~/.aws/config` is `config`.
    static func home(config: String) throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("edal-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try config.write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        return home
    }

    @Test("a profile's role needs a source; its duration is bounded; credential_source names a known source")
    func profileRolesAreChecked() throws {
        func resolve(_ config: String, _ extra: [String: String] = [:]) throws -> AWSConfiguration {
            try AWSConfiguration.resolve(
                environment: ["AWS_PROFILE": "p", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"]
                    .merging(extra) { $1 }, homeDirectory: try Self.home(config: config))
        }
        #expect(throws: AWSConfigurationError.self) { try resolve("[profile p]\nrole_arn = arn:aws:iam::1:role/r\n") }
        #expect(throws: AWSConfigurationError.self) {
            try resolve(
                "[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = s\nduration_seconds = 60\n"
                    + "[profile s]\naws_access_key_id = A\naws_secret_access_key = B\n")
        }
        #expect(throws: AWSConfigurationError.self) {
            try resolve("[profile p]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Somewhere\n")
        }
        #expect(throws: AWSConfigurationError.self) {
            try resolve("[profile p]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = missing\n")
        }
        let assumed = try resolve(
            "[profile p]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n")
        #expect((assumed.credentialProvider as? RefreshingCredentialProvider)?.source.contains("role/r") == true)
    }

    @Test("AWS_CA_BUNDLE (or ca_bundle) is read at start-up: a missing or empty file stops EDAL naming it")
    func caBundleIsReadAtStartUp() throws {
        let base = ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"]
        let error = #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.resolve(
                environment: base.merging(["AWS_CA_BUNDLE": "/nonexistent/ca.pem"]) { $1 },
                homeDirectory: "/nonexistent")
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("AWS_CA_BUNDLE"))
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("edal-empty-\(UUID().uuidString).pem")
        try Data().write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let withBundle = try Self.home(config: "[default]\nca_bundle = \(empty.path)\n")
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.resolve(environment: base, homeDirectory: withBundle)
        }
        #expect(try AWSConfiguration.resolve(environment: base, homeDirectory: "/nonexistent").caBundle == nil)
    }
}
