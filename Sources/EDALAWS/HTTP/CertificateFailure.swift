import NIOSSL

/// Recognises a connection refused because the server's TLS certificate is not trusted (unknown
/// CA, expired) or names another host: a fault no retry mends, and one a private CA explains.
enum CertificateFailure {
    /// `true` when `error` is a certificate the client refused.
    static func matches(_ error: any Error) -> Bool {
        error is NIOSSLExtraError || String(describing: error).contains("CERTIFICATE_VERIFY_FAILED")
    }

    /// What to do about it, for error messages.
    static let advice =
        "if the endpoint presents a private CA's certificate, set AWS_CA_BUNDLE (or ca_bundle in the profile) to that CA's PEM file"
}
