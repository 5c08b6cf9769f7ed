import AsyncHTTPClient
import Foundation
import NIOCore

/// `infra/testing/fault_proxy.py` in front of one emulator, for one test: it forwards requests and
/// answers some with the faults real AWS services produce (throttling, 5xx, cut connections, late
/// answers, `PutRecords` entries refused one by one), and counts what it injected.
final class FaultProxy: @unchecked Sendable {
    /// One rule: which operation, which fault, and when (see the script's documentation).
    struct Rule: Encodable, Sendable {
        var operation: String
        var fault: String
        var every: Int = 1
        var after: Int = 0
        var times: Int?
        var seconds: Double?
        /// Only for this many seconds from the rule's first fault: an outage that ends.
        var during: Double?
    }

    /// What the proxy saw and did.
    struct Stats: Decodable, Sendable {
        struct RuleStats: Decodable, Sendable {
            var operation: String
            var fault: String
            var seen: Int
            var injected: Int
        }

        var requests: [String: Int]
        var injected: [String: Int]
        /// The most requests of each operation the proxy held at once.
        var mostInFlight: [String: Int]
        /// As a forward proxy: the hosts (`host:port`) requests named, and how often.
        var proxiedHosts: [String: Int]
        /// `x-amz-expected-bucket-owner` values sent, and how often.
        var expectedOwners: [String: Int]
        var rules: [RuleStats]

        /// Faults injected into `operation`, every kind together.
        func injected(into operation: String) -> Int {
            rules.filter { $0.operation == operation }.reduce(0) { $0 + $1.injected }
        }
    }

    let endpoint: String
    private let process: HelperProcess.Running

    private init(endpoint: String, process: HelperProcess.Running) {
        self.endpoint = endpoint
        self.process = process
    }

    /// Starts a proxy for `service` (`s3`, `sqs`, `kinesis`, `sts`) in front of `upstream` and waits
    /// until it listens; with `tls` (PEM certificate and key files) it listens for `https` (its
    /// control endpoints too, so `stats()` then needs a client that trusts the certificate).
    /// `bucketRegions` (S3): buckets and the region each is in; a request about one signed for
    /// another region is answered as S3 answers it.
    static func start(
        service: String, upstream: String, rules: [Rule], tls: (certificate: String, key: String)? = nil,
        bucketRegions: [String: String] = [:]
    ) async throws -> FaultProxy {
        let env = ProcessInfo.processInfo.environment
        guard let python = env["EDAL_TEST_PYTHON"], let fixture = env["EDAL_TEST_MONGO_FIXTURE_SCRIPT"] else {
            throw HelperProcess.Failed(
                description: "EDAL_TEST_PYTHON / EDAL_TEST_MONGO_FIXTURE_SCRIPT are not set: run `make test`")
        }
        let script = URL(fileURLWithPath: fixture).deletingLastPathComponent().appendingPathComponent("fault_proxy.py")
            .path
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal-proxy-\(UUID().uuidString).port"
        ).path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let rulesJSON = String(decoding: try JSONEncoder().encode(rules), as: UTF8.self)
        let process = try HelperProcess.start(
            python,
            [script, "--service", service, "--upstream", upstream, "--port-file", portFile, "--rules", rulesJSON]
                + (tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? [])
                + (bucketRegions.isEmpty
                    ? [] : ["--bucket-regions", bucketRegions.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]))
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return FaultProxy(endpoint: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)", process: process)
            }
            guard process.process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.kill(SIGKILL)
        throw HelperProcess.Failed(
            description: "the fault proxy for \(service) did not start: \(process.collectedErrors.suffix(2000))")
    }

    /// Replaces the proxy's rules (their counts start again; what was injected stays counted).
    func setRules(_ rules: [Rule]) async throws {
        var request = HTTPClientRequest(url: endpoint + "/__fault_proxy/rules")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(rules)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
    }

    func stats() async throws -> Stats {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: endpoint + "/__fault_proxy/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(Stats.self, from: Data(body.readableBytesView))
    }

    deinit {
        process.kill(SIGKILL)
    }
}
