import Foundation
import Testing

@testable import EDALDetection

@Suite("Size checks")
struct SizeCheckTests {
    /// 256 objects of an ALB-shaped source: a median of 200 KB, ln size spread 0.5, every 5 minutes.
    static func source() -> SourceBaseline {
        var random = SeededRandom(seed: 11)
        var baseline = SourceBaseline(
            id: "s", bucket: "b", template: "alb/{date}/{n}.log.gz", producer: nil,
            firstSeen: Date(timeIntervalSince1970: 1_800_000_000))
        for index in 0..<256 {
            baseline.record(observation(index, size: random.logNormal(median: 200_000, sigma: 0.5)), embeddedTime: nil)
        }
        return baseline
    }

    static func observation(_ index: Int, size: Double, at time: Double? = nil) -> ObjectObservation {
        ObjectObservation(
            bucket: "b", key: "alb/2027/01/15/\(index).log.gz", eTag: "e\(index)", size: Int64(size),
            lastModified: Date(timeIntervalSince1970: time ?? 1_800_000_000 + Double(index) * 300))
    }

    @Test(
        "an object 13 times smaller than a noisy source's last objects is a draw of its sizes, not near-empty; 100 times smaller is"
    )
    func nearEmptyOnTheSourcesNoise() throws {
        let baseline = Self.source()
        var profile = SourceProfile(baseline, trainModel: false)
        profile.refreshSizes(baseline)
        let logSize = try #require(profile.logSize)
        let noise = try #require(profile.sizeNoise)
        // Just inside the bar of the source's noise around its last 8 objects (their median's own
        // uncertainty counted): past 5 of the window's spreads and 10 times smaller, so the
        // window's spread alone would call it near-empty.
        let ratio = exp(5 * noise * (1 + Double.pi / 16).squareRoot() - 0.01)
        #expect(log(ratio) / logSize.spread >= 5 && ratio >= 10, "ratio \(ratio), spread \(logSize.spread)")
        let local = Statistics.median(baseline.recent.suffix(8).map { log1p(Double($0.size)) })
        let detector = SourceDetector()
        let small = detector.judge(
            Self.observation(300, size: expm1(local) / ratio), embeddedTime: nil, baseline: baseline, profile: profile)
        #expect(!small.contains { $0.check == .nearEmpty }, "\(small.map(\.detail))")
        let empty = detector.judge(
            Self.observation(301, size: expm1(local) / 100), embeddedTime: nil, baseline: baseline, profile: profile)
        #expect(empty.contains { $0.check == .nearEmpty }, "\(empty.map(\.detail))")
    }

    @Test(
        "an object 12 times a source's usual size and 5 spreads out is a draw of its sizes, not a blow-up; 16 times its last objects is one"
    )
    func blowUpAgainstTheLastSixteen() throws {
        let baseline = Self.source()
        var profile = SourceProfile(baseline, trainModel: false)
        profile.refreshSizes(baseline)
        let logSize = try #require(profile.logSize)
        let window = try #require(profile.medianSize)
        let local = expm1(Statistics.median(baseline.recent.suffix(16).map { log1p(Double($0.size)) }))
        // Past the window's bar (5 spreads, 10 times its median) and 10 times the last 8 objects'
        // median, but under 15 times the last 16 objects'.
        let size = max(exp(logSize.median + 5.01 * logSize.spread), 10.01 * window)
        let lastEight = expm1(Statistics.median(baseline.recent.suffix(8).map { log1p(Double($0.size)) }))
        #expect(size >= 10 * lastEight && size < 15 * local, "size \(size), last 8 \(lastEight), last 16 \(local)")
        let detector = SourceDetector()
        let draw = detector.judge(
            Self.observation(300, size: size), embeddedTime: nil, baseline: baseline, profile: profile)
        #expect(!draw.contains { $0.check == .sizeBlowUp }, "\(draw.map(\.detail))")
        let blowUp = detector.judge(
            Self.observation(301, size: 16 * max(local, window)), embeddedTime: nil, baseline: baseline,
            profile: profile)
        #expect(blowUp.contains { $0.check == .sizeBlowUp }, "\(blowUp.map(\.detail))")
    }
}
