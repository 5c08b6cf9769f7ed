@testable import EDALWorker
import Testing

@Suite struct SignalMetadataPolicyTests {
    static let metadata = [
        "service": "checkout", "api-token": "tok-123", "X-Secret-Value": "s3cr3t", "db-password": "pw", "encryption-key": "k",
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
}
