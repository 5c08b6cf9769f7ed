import NIOConcurrencyHelpers
import Testing

@testable import EDALWorker

@Suite("shared refreshes and progress")
struct RefreshAndProgressTests {
    @Test("a thousand concurrent callers share one refresh; the next refresh comes after the maximum age")
    func refreshedValueIsShared() async throws {
        let calls = NIOLockedValueBox(0)
        let value = RefreshedValue(maximumAge: .milliseconds(300)) { () async -> Int in
            let call = calls.withLockedValue {
                $0 += 1
                return $0
            }
            try? await Task.sleep(for: .milliseconds(50))
            return call
        }
        let results = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<1000 { group.addTask { await value.value() } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(results) == [1] && calls.withLockedValue { $0 } == 1)
        try await Task.sleep(for: .milliseconds(400))
        #expect(await value.value() == 2)
    }

    @Test("stalled only when nothing moved for the timeout while messages wait")
    func progressWatch() {
        let watch = ProgressWatch(timeout: .seconds(60))
        var counts = WorkerCounts()
        let start = ContinuousClock.now
        #expect(watch.problem(counts, queueWaiting: 5, now: start) == nil)
        #expect(watch.problem(counts, queueWaiting: 5, now: start + .seconds(59)) == nil)
        #expect(watch.problem(counts, queueWaiting: 0, now: start + .seconds(61)) == nil, "nothing waits")
        #expect(watch.problem(counts, queueWaiting: nil, now: start + .seconds(61)) == nil, "depth unknown")
        let stalled = watch.problem(counts, queueWaiting: 5, now: start + .seconds(61))
        #expect(stalled?.contains("stalled") == true && stalled?.contains("5 messages") == true, "\(stalled ?? "-")")
        counts.heldRetries += 1
        #expect(watch.problem(counts, queueWaiting: 5, now: start + .seconds(62)) == nil, "a retry is progress")
        #expect(watch.problem(counts, queueWaiting: 5, now: start + .seconds(121)) == nil)
        #expect(watch.problem(counts, queueWaiting: 5, now: start + .seconds(123)) != nil)
    }
}
