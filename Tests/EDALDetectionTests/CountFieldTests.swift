import Foundation
import Testing

@testable import EDALDetection

@Suite("Count fields")
struct CountFieldTests {
    /// A source of 256 objects, each with about 70 records and a 1.5 % error rate (about one error
    /// per object), as a shipper's summary metadata says.
    static func source(seed: UInt64) -> SourceBaseline {
        var random = SeededRandom(seed: seed)
        var baseline = SourceBaseline(
            id: "s", bucket: "b", template: "logs/{date}/{n}.jsonl", producer: nil,
            firstSeen: Date(timeIntervalSince1970: 1_800_000_000))
        for index in 0..<256 {
            let records = Int(random.logNormal(median: 70, sigma: 0.15))
            let errors = (0..<records).filter { _ in random.unit() < 0.015 }.count
            baseline.record(observation(index, records: records, errors: errors), embeddedTime: nil)
        }
        return baseline
    }

    static func observation(_ index: Int, records: Int, errors: Int) -> ObjectObservation {
        ObjectObservation(
            bucket: "b", key: "logs/2027/01/15/\(index).jsonl", eTag: "e\(index)", size: 9_000,
            lastModified: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 300),
            metadata: ["record-count": String(records), "error-count": String(errors)])
    }

    @Test(
        "a small count far above its usual rate is a metadata_value, said as a chance; a large count twice its usual is left to its spread"
    )
    func smallCountTail() throws {
        let baseline = Self.source(seed: 3)
        let profile = SourceProfile(baseline, trainModel: false)
        let counts = try #require(profile.fields["error-count"]?.counts)
        #expect(abs(counts.mean - 1.05) < 0.4, "about one error per object: \(counts.mean)")
        #expect(profile.fields["record-count"]?.counts == nil, "70 records per object is not a small count")

        let detector = SourceDetector()
        // 14 errors of 70 records (20 %): ln(1 + n) is only 3 spreads from ln 2, a Poisson count of
        // mean 1 reaches 14 about once in 10¹¹ objects.
        let burst = detector.judge(
            Self.observation(300, records: 70, errors: 14), embeddedTime: nil, baseline: baseline, profile: profile)
        let finding = try #require(burst.first { $0.field == "error-count" })
        #expect(finding.check == .metadataValue)
        #expect(finding.detail.contains("by chance once in 10^"), "\(finding.detail)")
        #expect(finding.metadataNames == ["error-count"])

        // Twice the usual records (one clean object in a few thousand at this spread), 3 errors.
        let busy = detector.judge(
            Self.observation(301, records: 150, errors: 3), embeddedTime: nil, baseline: baseline, profile: profile)
        #expect(busy.isEmpty, "\(busy.map(\.detail))")
    }

    @Test("clean objects of a small count raise nothing")
    func cleanCounts() {
        let detector = SourceDetector()
        var raised: [String] = []
        for seed: UInt64 in 1...8 {
            let baseline = Self.source(seed: seed)
            let profile = SourceProfile(baseline, trainModel: false)
            var random = SeededRandom(seed: seed &+ 100)
            for index in 0..<2_000 {
                let records = Int(random.logNormal(median: 70, sigma: 0.15))
                let errors = (0..<records).filter { _ in random.unit() < 0.015 }.count
                let findings = detector.judge(
                    Self.observation(1_000 + index, records: records, errors: errors), embeddedTime: nil,
                    baseline: baseline, profile: profile)
                raised += findings.map(\.detail)
            }
        }
        #expect(raised.isEmpty, "\(raised)")
    }

    @Test("the tail of a Poisson count, against the exact sums")
    func poissonTail() throws {
        let rate = try #require(CountRate([0, 1, 2, 1, 0, 1, 3, 0, 1, 1], cappedAt: 10))
        #expect(rate.mean == 1)
        #expect(rate.dispersion == 1)
        // P(N ≥ 4 | μ = 1) = 1 − e⁻¹ (1 + 1 + 1/2 + 1/6)
        let exact = 1 - exp(-1) * (1 + 1 + 0.5 + 1.0 / 6)
        #expect(abs(rate.logUpperTail(4) - log(exact)) < 1e-9)
        // P(N ≥ 12 | μ = 1) ≈ e⁻¹ / 12! × (1 + 1/13 + 1/(13·14) + …)
        let far = -1 - lgamma(13) + log(1 + 1.0 / 13 + 1.0 / 182 + 1.0 / 2730)
        #expect(abs(rate.logUpperTail(12) - far) < 1e-4)
        #expect(rate.logUpperTail(1) == 0, "not above the mean: no tail")
        #expect(CountRate([0, 40, 80], cappedAt: 80) == nil, "large counts are not judged as Poisson counts")
    }
}
