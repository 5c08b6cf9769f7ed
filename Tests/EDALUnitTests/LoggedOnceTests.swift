import Testing

@testable import EDALWorker

@Suite("logged once")
struct LoggedOnceTests {
    @Test("each name once; thousands of distinct names keep it within its capacity")
    func bounded() {
        let once = LoggedOnce(capacity: 100)
        #expect(once.insert("bucket-a") && !once.insert("bucket-a"))
        for index in 0..<10_000 { _ = once.insert("forged-\(index)") }
        #expect(once.count <= 100)
        #expect(!once.insert("forged-9999"), "the newest names are still remembered")
    }
}
