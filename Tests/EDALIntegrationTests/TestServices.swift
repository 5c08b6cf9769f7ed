import EDALAWS
import EDALTestSupport
import EDALWorker
import Foundation
import Logging
import Testing

/// The emulators started by `infra/test-services.sh` (sourced from `.test-services/env`).
///
/// Outside `make test` the integration tests skip; under it (`EDAL_TEST_SERVICES=1`) a missing
/// service is a failure, never a silent skip.
struct TestServices: Sendable {
    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    let region: String
    let s3Endpoint: String
    let sqsEndpoint: String
    let kinesisEndpoint: String
    let authEndpoint: String
    let authAccessKeyId: String
    let authSecretAccessKey: String
    /// `localstack` or `moto`.
    let s3Emulator: String

    /// Whether the run was given the services (`make test`), or must have them
    /// (`EDAL_REQUIRE_TEST_SERVICES=1`, where a missing one fails the test). Suites that need them
    /// carry `.enabled(if: TestServices.configured, …)`, so a plain `swift test` reports them as
    /// skipped, never as passed.
    static var configured: Bool { TestEnvironment.servicesRequired }

    static let skipReason: Comment = "needs the test services (LocalStack, moto, the MongoDB fixture): run `make test`"

    /// The services, or `nil` when the tests run outside `make test`.
    static func current() throws -> TestServices? {
        let env = ProcessInfo.processInfo.environment
        guard env["EDAL_TEST_SERVICES"] == "1" else {
            if env["EDAL_REQUIRE_TEST_SERVICES"] == "1" {
                throw Missing(
                    description: "EDAL_TEST_SERVICES is not set: run `make test` (or source .test-services/env)")
            }
            return nil
        }
        func value(_ name: String) throws -> String {
            guard let value = env[name], !value.isEmpty else {
                throw Missing(description: "\(name) is not set by the test services")
            }
            return value
        }
        return TestServices(
            region: try value("EDAL_TEST_REGION"),
            s3Endpoint: try value("EDAL_TEST_S3_ENDPOINT"),
            sqsEndpoint: try value("EDAL_TEST_SQS_ENDPOINT"),
            kinesisEndpoint: try value("EDAL_TEST_KINESIS_ENDPOINT"),
            authEndpoint: try value("EDAL_TEST_AUTH_ENDPOINT"),
            authAccessKeyId: try value("EDAL_TEST_AUTH_ACCESS_KEY_ID"),
            authSecretAccessKey: try value("EDAL_TEST_AUTH_SECRET_ACCESS_KEY"),
            s3Emulator: env["EDAL_TEST_S3_EMULATOR"] ?? "localstack"
        )
    }

    /// A configuration resolved exactly as a user's would be, from environment variables.
    func configuration(
        accessKeyId: String = "test", secret: String = "test", allServices endpoint: String? = nil,
        region: String? = nil
    ) throws -> AWSConfiguration {
        try AWSConfiguration.resolve(
            environment: [
                "AWS_ACCESS_KEY_ID": accessKeyId,
                "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_REGION": region ?? self.region,
                "AWS_ENDPOINT_URL_S3": endpoint ?? s3Endpoint,
                "AWS_ENDPOINT_URL_SQS": endpoint ?? sqsEndpoint,
                "AWS_ENDPOINT_URL_KINESIS": endpoint ?? kinesisEndpoint,
            ], homeDirectory: "/nonexistent")
    }

    /// This process's environment plus what a user sets to reach the emulators: credentials, region, endpoints.
    func processEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = "test"
        environment["AWS_SECRET_ACCESS_KEY"] = "test"
        environment["AWS_REGION"] = region
        environment["AWS_ENDPOINT_URL_S3"] = s3Endpoint
        environment["AWS_ENDPOINT_URL_SQS"] = sqsEndpoint
        environment["AWS_ENDPOINT_URL_KINESIS"] = kinesisEndpoint
        return environment
    }

    /// Runs `body` with a client for the emulators and shuts the client down afterwards.
    func withClient<T>(
        _ configuration: AWSConfiguration? = nil, options: AWSClient.Options = .init(),
        _ body: (AWSClient) async throws -> T
    ) async throws -> T {
        let client = AWSClient(configuration: try configuration ?? self.configuration(), options: options)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// A resource name unique to this test run.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
    }
}
