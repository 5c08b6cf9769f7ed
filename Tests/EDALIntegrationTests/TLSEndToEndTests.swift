import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// The worker end to end over TLS with a private certificate authority, as behind a corporate
/// gateway: every service (S3, SQS, Kinesis, and STS for the web identity credentials) reached over
/// `https` through TLS-terminating proxies whose certificate an `openssl`-made CA signed.
@Suite(
    "TLS with a private CA", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct TLSEndToEndTests {
    /// A certificate authority and a server certificate for `127.0.0.1` it signed, made with `openssl`.
    struct PrivateCA {
        let directory: URL
        var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
        var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
        var serverKey: String { directory.appendingPathComponent("server.key").path }

        static func make() async throws -> PrivateCA {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                TestServices.uniqueName("edal-ca"))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let ca = PrivateCA(directory: directory)
            let dir = directory.path
            try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".utf8).write(
                to: directory.appendingPathComponent("server.ext"))
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            _ = try await HelperProcess.run(
                "/usr/bin/openssl",
                ["req", "-x509"] + ec + [
                    "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "2", "-subj", "/CN=EDAL test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                ])
            _ = try await HelperProcess.run(
                "/usr/bin/openssl",
                ["req"] + ec + ["-keyout", "\(dir)/server.key", "-out", "\(dir)/server.csr", "-subj", "/CN=127.0.0.1"])
            _ = try await HelperProcess.run(
                "/usr/bin/openssl",
                [
                    "x509", "-req", "-in", "\(dir)/server.csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                    "-CAcreateserial", "-out", "\(dir)/server.pem", "-days", "2", "-extfile", "\(dir)/server.ext",
                ])
            return ca
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test(
        "over TLS with the CA in AWS_CA_BUNDLE every object is signalled once; without it the drain stops with a certificate error and loses nothing"
    )
    func wholeWorkerOverTLS() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-tls")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let keys = try await fixture.generate(12, seed: 21)
        try await fixture.waitForNotifications(keys.count)

        let ca = try await PrivateCA.make()
        defer { ca.remove() }
        let tls = (certificate: ca.serverCertificate, key: ca.serverKey)
        let s3 = try await FaultProxy.start(service: "s3", upstream: services.s3Endpoint, rules: [], tls: tls)
        let sqs = try await FaultProxy.start(service: "sqs", upstream: services.sqsEndpoint, rules: [], tls: tls)
        let kinesis = try await FaultProxy.start(
            service: "kinesis", upstream: services.kinesisEndpoint, rules: [], tls: tls)
        let sts = try await FaultProxy.start(
            service: "sts", upstream: try ContainerCredentialsTests.standIn(), rules: [], tls: tls)
        let token = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("edal-token"))
        try Data("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZWRhbDplZGFsIn0.c2ln\n".utf8).write(
            to: token)
        defer { try? FileManager.default.removeItem(at: token) }
        // Credentials from STS (web identity) over TLS, every service over TLS; nothing plain.
        let overTLS = [
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/edal-worker", "AWS_WEB_IDENTITY_TOKEN_FILE": token.path,
            "AWS_ENDPOINT_URL_STS": sts.endpoint, "AWS_ENDPOINT_URL_S3": s3.endpoint,
            "AWS_ENDPOINT_URL_SQS": sqs.endpoint, "AWS_ENDPOINT_URL_KINESIS": kinesis.endpoint,
            "EDAL_FALLBACK_QUEUE": "", "EDAL_MODE": "continuous", "AWS_CA_BUNDLE": "",
        ]
        #expect(s3.endpoint.hasPrefix("https://"))

        // Without the CA: refused certificates, a clear error, and every message left in the queue.
        let (refused, _) = try await fixture.drain(["--idle-timeout", "5"], overTLS)
        #expect(refused.status != 0)
        let said = refused.output + refused.errors
        #expect(said.contains("certificate") && said.contains("AWS_CA_BUNDLE"), "\(said.suffix(3000))")
        #expect(try await fixture.messages(in: fixture.queue) == keys.count)
        #expect(try await fixture.streamSignals().isEmpty)

        // With it: every object signalled once, nothing left, nothing dead-lettered.
        let (drained, _) = try await fixture.drain(
            ["--idle-timeout", "10"], overTLS.merging(["AWS_CA_BUNDLE": ca.caCertificate]) { $1 })
        #expect(drained.status == 0, "\(drained.errors.suffix(3000))")
        try await fixture.expectEachSignalledOnce(keys)
        withExtendedLifetime((s3, sqs, kinesis, sts)) {}
    }
}
