import NIOSSL

/// The certificate authorities TLS connections to AWS trust instead of the system's: a private CA
/// (a TLS-inspecting proxy, an endpoint behind a corporate gateway), from `AWS_CA_BUNDLE` or the
/// profile's `ca_bundle`, as the AWS SDKs read them.
///
/// As in the SDKs, the bundle replaces the system's trust store for every AWS connection: S3, SQS,
/// Kinesis, STS and the credential endpoints reached over `https`.
public struct AWSCABundle: Sendable {
    /// The PEM file the certificates were read from.
    public var path: String
    /// Where the path was set (`AWS_CA_BUNDLE`, `ca_bundle in profile …`).
    public var source: String
    public var certificates: [NIOSSLCertificate]

    /// Reads the PEM file at `path`, so a missing or unreadable bundle stops start-up rather than
    /// failing every request later.
    public init(path: String, source: String) throws(AWSConfigurationError) {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw .invalidSetting(
                name: source, value: path, expected: "a readable PEM file of CA certificates (\(error))")
        }
        guard !certificates.isEmpty else {
            throw .invalidSetting(name: source, value: path, expected: "a PEM file holding at least one certificate")
        }
        self.path = path
        self.source = source
        self.certificates = certificates
    }

    /// A client TLS configuration that trusts these certificates only.
    public var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(certificates)
        return configuration
    }
}
