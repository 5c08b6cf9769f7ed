import EDALAWS
import EDALDetection
import Foundation
import Testing

@testable import EDALWorker

/// Every place a metadata name or value reaches a signal follows `EDAL_SIGNAL_METADATA`: the
/// evidence, `service`, and the reasons of every check that names a field.
@Suite("Reasons carry no secrets")
struct ReasonsCarryNoSecretsTests {
    static let start = Date(timeIntervalSince1970: 1_795_000_000)

    /// A source that learnt 40 objects with `session-id` near 1,000, then one object with a new
    /// `api-key`, an extreme `session-id`, a `pin` a rule looks at and a new text field: the
    /// signal about it, as `policy` shapes it, encoded.
    static func signal(_ policy: SignalMetadataPolicy) throws -> String {
        var configuration = SourceDetector.Configuration()
        configuration.rules = try MetadataRule.parseList("pin >= 0")
        var registry = SourceRegistry(detector: SourceDetector(configuration: configuration))
        func object(_ index: Int, _ metadata: [String: String]) -> ObjectObservation {
            ObjectObservation(
                bucket: "b", key: "app/checkout/\(index).json", eTag: "e\(index)", size: 5_000 + Int64(index % 5) * 10,
                lastModified: start.addingTimeInterval(Double(index) * 300), metadata: metadata)
        }
        for index in 0..<40 {
            _ = registry.observe(object(index, ["service": "checkout", "session-id": "\(1_000 + index % 9)"]))
        }
        let secret = [
            "service": "checkout", "session-id": "777777777", "api-key": "987654321", "pin": "4321",
            "internal-code": "zebra",
        ]
        let verdict = registry.observe(object(40, secret))
        let checks = Set(verdict.findings.map(\.check))
        #expect(checks.isSuperset(of: [.newField, .metadataValue, .rule]), "\(verdict.findings)")
        let head = S3ObjectHead(
            bucket: "b", key: "app/checkout/40.json", contentLength: 5_000, eTag: "e40", metadata: secret)
        let candidate = ObjectCandidate(
            event: ObjectCreatedEvent(bucket: "b", key: head.key, eTag: "e40"), via: .notification)
        let signal = SignalBuilder.objectSignal(
            verdict, head: head, candidate: candidate, mode: .anomalies, metadata: policy, producer: "test")
        return String(decoding: try JSONEncoder().encode(signal), as: UTF8.self)
    }

    @Test("by default: secret-looking fields named, their values in no reason")
    func defaults() throws {
        let json = try Self.signal(SignalMetadataPolicy())
        for value in ["777777777", "987654321", "4321"] { #expect(!json.contains(value), "\(value) in \(json)") }
        #expect(json.contains("session-id") && json.contains(SignalMetadataPolicy.redacted))
        #expect(json.contains("checkout"))
    }

    @Test("EDAL_SIGNAL_METADATA chooses the fields: the others are neither named nor valued, service included")
    func chosen() throws {
        let json = try Self.signal(SignalMetadataPolicy(included: ["record-*"]))
        for text in [
            "777777777", "987654321", "4321", "session-id", "api-key", "internal-code", "zebra", "\"pin\"",
            "checkout\"",
        ] {
            #expect(!json.contains(text), "\(text) in \(json)")
        }
    }

    @Test("the forest's reason names only drivers the policy shows")
    func isolation() {
        let finding = Finding(
            check: .isolationScore, field: "pin", value: "4321", observed: 0.81, expected: 0.76, deviation: 9,
            detail:
                "IsolationForest score 0.810 ≥ 0.76; pin = 4321, 9.0 spreads from 1000; latency = 12, 3.0 spreads from 10",
            metadataNames: ["pin", "latency"])
        let safe = SignalMetadataPolicy().apply(finding)
        #expect(safe.value == nil && safe.deviation == nil && !safe.detail.contains("4321"))
        #expect(safe.observed == 0.81 && safe.detail.contains("latency"))
        let hidden = SignalMetadataPolicy(included: ["latency"]).apply(finding)
        #expect(hidden.field == SignalMetadataPolicy.redacted && !hidden.detail.contains("pin"))
        // A finding about fields the policy shows is left as it is.
        let plain = Finding(
            check: .metadataValue, field: "latency", value: "12", observed: 12, detail: "latency = 12",
            metadataNames: ["latency"])
        #expect(SignalMetadataPolicy().apply(plain) == plain)
    }
}
