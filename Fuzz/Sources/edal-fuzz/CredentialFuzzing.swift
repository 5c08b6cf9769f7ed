@testable import EDALAWS

/// Credential answers: the first byte picks the container endpoint / IMDS JSON document or STS's
/// AssumeRoleWithWebIdentity XML; credentials that parse carry a key id and a secret.
enum CredentialFuzzing {
    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let credentials =
            selector & 1 == 0
            ? try? CredentialEndpoints.CredentialDocument.parse(text, source: "fuzz")
            : try? CredentialEndpoints.assumeRoleAnswer(text, source: "fuzz")
        guard let credentials else { return }
        require(
            !credentials.accessKeyId.isEmpty && !credentials.secretAccessKey.isEmpty,
            "credentials without a key id or secret")
    }
}
