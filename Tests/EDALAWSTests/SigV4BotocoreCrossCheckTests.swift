import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS

/// Signs several hundred generated requests and compares every Authorization header with the one
/// botocore (the signer of boto3 and the AWS CLI) produced for the same request.
///
/// The requests come from `infra/testing/sigv4_vectors.py`, run with the Python of the test
/// services (`EDAL_TEST_PYTHON`, set by `make test`).
@Suite struct SigV4BotocoreCrossCheckTests {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The fields are named as sigv4_vectors.py writes them.
    struct Vector: Decodable {
        var index: Int
        var service: String
        var s3: Bool
        var region: String
        var method: String
        var host: String
        var path: String
        var raw_s3_path: String?
        var query: [[String]]
        var headers: [[String]]
        var body_base64: String
        var access_key_id: String
        var secret_access_key: String
        var session_token: String?
        var epoch_seconds: Int
        var expected_canonical_request: String
        var expected_authorization: String
        var expected_amz_date: String
        var expected_content_sha256: String?
    }

    static func vectors(seed: Int, count: Int) throws -> [Vector]? {
        guard let python = try TestTools.python() else { return nil }
        let output = try ProcessRunner.run(
            python,
            [
                Repository.path("infra/testing/sigv4_vectors.py"),
                "--count", String(count), "--seed", String(seed),
            ])
        return try JSONDecoder().decode([Vector].self, from: output)
    }

    @Test(arguments: [1, 2])
    func agreesWithBotocore(seed: Int) throws {
        guard let vectors = try Self.vectors(seed: seed, count: 300) else { return }
        #expect(vectors.count == 300)
        var mismatches = 0
        for vector in vectors {
            let signer = SigV4Signer(service: vector.service, region: vector.region, usesS3Rules: vector.s3)
            let request = SigV4Request(
                method: vector.method, host: vector.host, path: vector.path,
                query: vector.query.map { ($0[0], $0[1]) },
                headers: vector.headers.map { ($0[0], $0[1]) },
                body: Array(Data(base64Encoded: vector.body_base64) ?? Data())
            )
            let credentials = AWSCredentials(
                accessKeyId: vector.access_key_id, secretAccessKey: vector.secret_access_key,
                sessionToken: vector.session_token)
            let date = Date(timeIntervalSince1970: TimeInterval(vector.epoch_seconds))
            let headers = signer.sign(request, credentials: credentials, date: date)
            let authorization = headers.first { $0.name == "Authorization" }?.value
            if authorization != vector.expected_authorization {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        """
                        vector \(vector.index) (\(vector.service) \(vector.method) \(vector.path)) differs from botocore
                        expected canonical request:
                        \(vector.expected_canonical_request)
                        ours:
                        \(signer.canonicalRequest(request, credentials: credentials, date: date))
                        """)
                }
            }
            #expect(headers.first { $0.name == "X-Amz-Date" }?.value == vector.expected_amz_date)
            #expect(headers.first { $0.name == "X-Amz-Content-SHA256" }?.value == vector.expected_content_sha256)
            if let raw = vector.raw_s3_path {
                #expect(
                    "/" + SigV4Encoding.encode(raw, keepingSlashes: true) == vector.path,
                    "S3 key encoding of vector \(vector.index)")
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(vectors.count) signatures differ from botocore")
    }
}
