import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Buckets in other accounts, against the signature-checking moto (whose IAM policies are
/// enforced): the test user may not touch `edal-archive-*` buckets itself, only through the role
/// `edal-archive-reader` it may assume, and may not assume `edal-denied`
/// (`infra/testing/moto_iam_bootstrap.py`).
@Suite(
    "buckets in other accounts", .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(10)))
struct CrossAccountTests {
    static let reader = "arn:aws:iam::123456789012:role/edal-archive-reader"
    static let denied = "arn:aws:iam::123456789012:role/edal-denied"

    /// A shared config file holding `text`, removed by the caller.
    static func configFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("edal-config"))
        try Data(text.utf8).write(to: url)
        return url
    }

    /// What a user sets to use the profile `profile` of `file` against the signature-checking moto.
    static func profileEnvironment(_ services: TestServices, file: URL, profile: String) -> [String: String] {
        [
            "AWS_PROFILE": profile, "AWS_CONFIG_FILE": file.path, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": services.authEndpoint, "AWS_EC2_METADATA_DISABLED": "true",
        ]
    }

    @Test(
        "a profile with role_arn and source_profile (external_id, role_session_name, duration_seconds) is assumed through STS and its credentials read the archive bucket; credential_process is run"
    )
    func profileChainAndCredentialProcess() async throws {
        guard let services = try TestServices.current() else { return }
        let process = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestServices.uniqueName("edal-creds"))
        try Data(
            """
            #!/bin/sh
            printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' "\(services.authAccessKeyId)" "\(services.authSecretAccessKey)"

            """.utf8
        ).write(to: process)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: process.path)
        defer { try? FileManager.default.removeItem(at: process) }
        let file = try Self.configFile(
            """
            [profile base]
            aws_access_key_id = \(services.authAccessKeyId)
            aws_secret_access_key = \(services.authSecretAccessKey)

            [profile archive]
            role_arn = \(Self.reader)
            source_profile = base
            external_id = edal-test-external-id
            role_session_name = edal-archive-session
            duration_seconds = 900

            [profile from-process]
            credential_process = \(process.path)

            [profile loop-a]
            role_arn = \(Self.reader)
            source_profile = loop-b

            [profile loop-b]
            role_arn = \(Self.reader)
            source_profile = loop-a
            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let bucket = TestServices.uniqueName("edal-archive")

        let archive = try AWSConfiguration.resolve(
            environment: Self.profileEnvironment(services, file: file, profile: "archive"),
            homeDirectory: "/nonexistent")
        let provider = try #require(archive.credentialProvider as? RefreshingCredentialProvider)
        #expect(provider.source.contains("edal-archive-reader") && provider.source.contains("profile archive"))
        let credentials = try await provider.credentials()
        #expect(credentials.sessionToken?.isEmpty == false)
        #expect(credentials.accessKeyId != services.authAccessKeyId)
        try await services.withClient(archive) { client in
            let s3 = S3Client(client: client)
            try await s3.createBucket(bucket)
            _ = try await s3.putObject(bucket: bucket, key: "a.json", body: Array("{}".utf8))
            #expect(try await s3.headObject(bucket: bucket, key: "a.json")?.contentLength == 2)
        }
        // The base profile's own key is refused there: the role's credentials did the reading.
        let base = try AWSConfiguration.resolve(
            environment: Self.profileEnvironment(services, file: file, profile: "base"), homeDirectory: "/nonexistent")
        await #expect(throws: AWSServiceError.self) {
            try await services.withClient(base) {
                _ = try await S3Client(client: $0).headObject(bucket: bucket, key: "a.json")
            }
        }
        // credential_process: the command's credentials sign requests the service accepts.
        let fromProcess = try AWSConfiguration.resolve(
            environment: Self.profileEnvironment(services, file: file, profile: "from-process"),
            homeDirectory: "/nonexistent")
        #expect(try await fromProcess.credentialProvider.credentials().accessKeyId == services.authAccessKeyId)
        let own = TestServices.uniqueName("edal-process")
        try await services.withClient(fromProcess) { try await S3Client(client: $0).createBucket(own) }
        // A loop of source profiles is a configuration error naming it.
        #expect(throws: AWSConfigurationError.self) {
            try AWSConfiguration.resolve(
                environment: Self.profileEnvironment(services, file: file, profile: "loop-a"),
                homeDirectory: "/nonexistent")
        }
    }

    @Test(
        "EDAL_BUCKET_ROLES: the archive bucket is read with its role; a bucket whose role cannot be assumed is an error naming bucket and role, and its messages stay in the queue"
    )
    func perBucketRoles() async throws {
        guard let services = try TestServices.current() else { return }
        // Queues and stream on the usual emulators; the buckets on the signature-checking moto.
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-accounts")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 2, maxReceiveCount: 100)
        let readable = TestServices.uniqueName("edal-archive")
        let refused = TestServices.uniqueName("edal-archive-other")
        let writer = AWSConfiguration(
            region: "us-east-1",
            credentialProvider: StaticCredentialProvider(
                AWSCredentials(accessKeyId: services.authAccessKeyId, secretAccessKey: services.authSecretAccessKey),
                source: "test"),
            endpointOverrides: [
                .s3: try #require(AWSEndpoint(url: services.authEndpoint)),
                .sts: try #require(AWSEndpoint(url: services.authEndpoint)),
            ])
        let role = writer.assumedRole(Self.reader, sessionName: "edal-test-writer", label: "test writer")
        var keys: [String: [String]] = [:]
        let queueURL = try await fixture.url(fixture.queue)
        try await services.withClient(writer) { client in
            let s3 = S3Client(client: client, bucketCredentials: [readable: role, refused: role])
            for (bucket, count) in [(readable, 6), (refused, 3)] {
                try await s3.createBucket(bucket)
                for index in 0..<count {
                    let key = "AWSLogs/210987654321/CloudTrail/us-east-1/2026/12/07/trail_\(index).json.gz"
                    let put = try await s3.putObject(bucket: bucket, key: key, body: Array("{}".utf8))
                    keys[bucket, default: []].append(key)
                    try await fixture.withClient { client in
                        _ = try await SQSClient(client: client).sendMessage(
                            queueURL,
                            body: S3CreatedNotification(
                                bucket: bucket, key: key, size: 2, eTag: put.eTag, sequencer: "0A1B2C\(index)"
                            ).body)
                    }
                }
            }
        }
        let (drained, figures) = try await fixture.drain(
            ["--idle-timeout", "8"],
            [
                "AWS_ACCESS_KEY_ID": services.authAccessKeyId, "AWS_SECRET_ACCESS_KEY": services.authSecretAccessKey,
                "AWS_ENDPOINT_URL_S3": services.authEndpoint, "AWS_ENDPOINT_URL_STS": services.authEndpoint,
                "EDAL_WATCH": "\(readable),\(refused)", "EDAL_MODE": "continuous",
                "EDAL_BUCKET_ROLES": "\(readable)=\(Self.reader),\(refused)=\(Self.denied)",
            ])
        #expect(drained.status != 0, "work was left: the refused bucket's messages")
        let said = drained.output + drained.errors
        #expect(said.contains(refused) && said.contains(Self.denied), "\(said.suffix(3000))")
        let signals = try await fixture.streamSignals()
        #expect(Set(signals.map(\.evidence.key)) == Set(keys[readable] ?? []), "\(figures)")
        #expect(signals.allSatisfy { $0.evidence.bucket == readable })
        #expect(try await fixture.messages(in: fixture.queue) == keys[refused]?.count)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
    }
}
