import Foundation
import Testing

@testable import EDALState
@testable import EDALWorker

/// Leases on MongoDB are dated by the server's clock, so replicas whose clocks disagree agree on
/// whether a lease is live.
@Suite("MongoDB leases under clock skew", .timeLimit(.minutes(10)))
struct MongoClockSkewTests {
    static var stores: [StoreUnderTest] { StoreUnderTest.all.filter { $0 != .sqlite } }

    @Test(
        "a replica whose clock runs 5 minutes fast neither takes over a live lease nor holds its own past the lease",
        arguments: stores)
    func skewedReplicasAgree(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { _, uri async throws in
            let fast = try await MongoStateStore.open(uri: uri, localClock: { Date().addingTimeInterval(300) })
            let slow = try await MongoStateStore.open(uri: uri, localClock: { Date().addingTimeInterval(-300) })
            defer {
                Task {
                    await fast.close()
                    await slow.close()
                }
            }
            let request = ClaimRequest(bucket: "telemetry", key: "k/skew", eTag: "e1")

            // The slow replica holds a 30 s lease; to the fast one's own clock it expired long ago.
            let ticket = try #require(try await slow.claim([request], owner: "slow", lease: .seconds(30))[0].ticket)
            #expect(try await fast.claim([request], owner: "fast", lease: .seconds(30)) == [.inProgress])

            // The fast replica's lease (after the slow one gives its claim back) is live for 8 s, not 308 s:
            // once those 8 s have passed on the server, it can be taken over. (8 s, not less: under the
            // whole suite's load one claim can take seconds, and the "still live" check must land inside it.)
            try await slow.release([ticket])
            let claimed = ContinuousClock.now
            let fastTicket = try #require(try await fast.claim([request], owner: "fast", lease: .seconds(8))[0].ticket)
            let whileLive = try await slow.claim([request], owner: "slow", lease: .seconds(30))
            if ContinuousClock.now - claimed < .seconds(7) {
                #expect(whileLive == [.inProgress])
            }
            // Taken over once 8 s have passed on the server: tried from then on, because the lease
            // began when the server wrote the claim, which under load can be seconds after `claimed`.
            // A lease of 308 s would still be live at the limit.
            try await Task.sleep(until: claimed + .seconds(8))
            var takeover = try await slow.claim([request], owner: "slow", lease: .seconds(30))
            while takeover.first?.ticket == nil, ContinuousClock.now < claimed + .seconds(60) {
                try await Task.sleep(for: .milliseconds(500))
                takeover = try await slow.claim([request], owner: "slow", lease: .seconds(30))
            }
            #expect(
                takeover.first?.ticket != nil, "\(takeover): the fast replica's 8 s lease was still live 60 s later")
            #expect(try await fast.complete([ClaimCompletion(ticket: fastTicket, outcome: .notAnomalous)]) == [false])
        }
    }
}
