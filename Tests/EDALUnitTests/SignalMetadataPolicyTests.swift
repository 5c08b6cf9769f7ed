import Foundation
import Testing

@testable import EDALWorker

@Suite struct SignalMetadataPolicyTests {
    static let metadata = [
        "service": "checkout", "api-token": "tok-123", "X-Secret-Value": "s3cr3t", "db-password": "pw",
        "encryption-key": "k",
        "Authorization": "Bearer x", "cookie": "c=1", "record-count": "12", "note": String(repeating: "n", count: 1000),
    ]

    @Test("by default every entry is kept, secret-looking ones redacted, long values cut")
    func defaults() {
        let kept = SignalMetadataPolicy().apply(Self.metadata)
        #expect(kept.count == Self.metadata.count)
        for name in ["api-token", "X-Secret-Value", "db-password", "encryption-key", "Authorization", "cookie"] {
            #expect(kept[name] == SignalMetadataPolicy.redacted, "\(name)")
        }
        #expect(kept["service"] == "checkout" && kept["record-count"] == "12")
        #expect(kept["note"]?.utf8.count == SignalMetadataPolicy.maximumValueBytes + "…".utf8.count)
        #expect(!kept.values.contains { $0.contains("tok-123") || $0.contains("s3cr3t") })
    }

    @Test("EDAL_SIGNAL_METADATA chooses names by glob; secrets stay redacted even when chosen")
    func chosen() throws {
        let settings = try WorkerSettings.fromEnvironment(["EDAL_SIGNAL_METADATA": "service, record-*, api-token"])
        let kept = settings.signalMetadata.apply(Self.metadata)
        #expect(Set(kept.keys) == ["service", "record-count", "api-token"])
        #expect(kept["api-token"] == SignalMetadataPolicy.redacted)
        #expect(SignalMetadataPolicy(included: []).apply(Self.metadata).isEmpty)
    }

    @Test("globs: * matches any run, case does not matter")
    func globs() {
        #expect(SignalMetadataPolicy.matches("x-api-token", glob: "*token*"))
        #expect(SignalMetadataPolicy.matches("token", glob: "*token*"))
        #expect(!SignalMetadataPolicy.matches("tok", glob: "*token*"))
        #expect(SignalMetadataPolicy.matches("record-count", glob: "record-*"))
        #expect(!SignalMetadataPolicy.matches("a-record-count", glob: "record-*"))
        #expect(SignalMetadataPolicy.matches("anything", glob: "*"))
        #expect(SignalMetadataPolicy.matches("cookie", glob: "cookie"))
    }

    @Test("the largest signal EDAL can build stays within Signal.maximumEncodedBytes: metadata dropped, reasons cut")
    func signalSizeIsBounded() throws {
        // The worst S3 allows: a 1,024-byte key of control characters (each escaped as 6 bytes), in
        // the evidence, its URI and the source; long metadata; many long reasons.
        let key = String(repeating: "\u{1}", count: 1024)
        var signal = SignalTests().sample()
        signal.evidence.key = key
        signal.evidence.uri = "s3://b/" + key
        signal.source.id = "b/" + key
        signal.source.template = key
        signal.evidence.metadata = Dictionary(
            uniqueKeysWithValues: (0..<32).map {
                ("name-\($0)-" + String(repeating: "\u{2}", count: 40), String(repeating: "\u{3}", count: 300))
            })
        signal.reasons = (0..<40).map { index in
            .init(
                check: "metadata_value", field: String(repeating: "\u{4}", count: 500),
                value: String(repeating: "\u{5}", count: 2000),
                observed: Double(index), expected: 1, deviation: 3, detail: String(repeating: "\u{6}", count: 4000))
        }
        let untrimmed = try JSONEncoder().encode(signal)
        #expect(untrimmed.count > Signal.maximumEncodedBytes)
        let data = try signal.encoded()
        #expect(data.count <= Signal.maximumEncodedBytes, "\(data.count) bytes")
        let decoded = try Signal.decode(data)
        #expect(decoded.evidence.metadata.isEmpty && decoded.reasons.count == 4)
        #expect(decoded.evidence.key == key && decoded.signalId == signal.signalId)
        // An ordinary signal is untouched.
        #expect(try Signal.decode(SignalTests().sample().encoded()) == SignalTests().sample())
    }
}
