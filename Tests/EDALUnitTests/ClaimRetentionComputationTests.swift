import Testing

@testable import EDALWorker

@Suite("claim retention window")
struct ClaimRetentionComputationTests {
    @Test(
        "queue retention + dead-letter retention + the longer sweep horizon + a day; 14 days assumed where unreadable")
    func window() {
        let setupDefaults = ClaimRetention.computed(
            queueRetention: 1_209_600, deadLetterRetention: 1_209_600, hasDeadLetterQueue: true,
            sweepLookback: 3600, sweepOverlap: 900)
        #expect(setupDefaults.duration == .seconds(1_209_600 * 2 + 3600 + 86_400))
        #expect(
            setupDefaults.description.hasPrefix("29.0 days (queue retention 14.0 d + dead-letter retention 14.0 d"),
            "\(setupDefaults)")

        let sqsDefaults = ClaimRetention.computed(
            queueRetention: 345_600, deadLetterRetention: nil, hasDeadLetterQueue: true,
            sweepLookback: 3600, sweepOverlap: 86_400 * 2)
        #expect(sqsDefaults.duration == .seconds(345_600 + 1_209_600 + 86_400 * 2 + 86_400))
        #expect(sqsDefaults.reason.contains("(assumed)"))

        let noDeadLetter = ClaimRetention.computed(
            queueRetention: 345_600, deadLetterRetention: nil, hasDeadLetterQueue: false,
            sweepLookback: 0, sweepOverlap: 0)
        #expect(noDeadLetter.duration == .seconds(345_600 + 86_400))
        #expect(!noDeadLetter.reason.contains("dead-letter"))
    }

    @Test("EDAL_CLAIM_RETENTION: seconds, 0 for ever, unset computed")
    func setting() throws {
        #expect(try WorkerSettings.fromEnvironment(["EDAL_CLAIM_RETENTION": "86400"]).claimRetention == 86_400)
        #expect(try WorkerSettings.fromEnvironment(["EDAL_CLAIM_RETENTION": "0"]).claimRetention == 0)
        #expect(try WorkerSettings.fromEnvironment([:]).claimRetention == nil)
        #expect(throws: SettingsError.self) { try WorkerSettings.fromEnvironment(["EDAL_CLAIM_RETENTION": "a week"]) }
    }
}
