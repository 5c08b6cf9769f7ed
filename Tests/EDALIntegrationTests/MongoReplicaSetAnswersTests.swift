import Foundation
import Testing

@testable import EDALState
@testable import EDALWorker

/// The answers a MongoDB replica set gives and a lone test server never does, made by the fixture
/// on request (`edalFixtureFaults`): a write applied but not acknowledged by the majority
/// (`writeConcernError`), a primary shutting down (transient, `RetryableWriteError`), a primary
/// stepping down in the middle of a batch and no primary for a while (`NotWritablePrimary`), and a
/// restart that keeps the data. For each, EDAL must neither lose an object nor signal one twice:
/// an error it cannot be sure about is transient (the message stays in the queue), and what the
/// server did apply is found again on the next delivery.
@Suite(
    "MongoDB replica-set answers", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason),
    .timeLimit(.minutes(5)))
struct MongoReplicaSetAnswersTests {
    /// A fixture of the test's own, a store on it, and a way to set its faults.
    struct Server {
        let fixture: MongoFixtureProcess
        let uri: String
        let control: MongoConnection

        static func start(port: Int? = nil, dataFile: String? = nil) async throws -> Server {
            let fixture = try await MongoFixtureProcess.start(port: port, dataFile: dataFile)
            let uri =
                "mongodb://127.0.0.1:\(fixture.port)/edal_rs?directConnection=true&serverSelectionTimeoutMS=2000&connectTimeoutMS=1000&socketTimeoutMS=3000"
            return Server(fixture: fixture, uri: uri, control: try MongoConnection(uri: uri, threads: 1))
        }

        func faults(_ rules: [BSONDocument]) async throws {
            _ = try await control.run(["edalFixtureFaults": 1, "faults": .array(rules.map(BSONValue.document))], .read)
        }

        /// Faults the fixture injected since it started, by kind.
        func injected(_ kind: String) async throws -> Int {
            let reply = try await control.run(["edalFixtureFaults": 1], .read)
            return Int(reply["injected"]?.documentValue?[kind]?.int64Value ?? 0)
        }

        func stop() async {
            await control.close()
            fixture.kill()
        }
    }

    static func request(_ key: String, eTag: String = "e1") -> ClaimRequest {
        ClaimRequest(bucket: "rs", key: key, eTag: eTag)
    }

    /// Delivers `request` again until it is no longer held by a live lease (at most 30 s): the
    /// outcome once the lease has run out.
    static func claimOnceFree(_ request: ClaimRequest, in store: MongoStateStore) async throws -> ClaimOutcome {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let outcome = try #require(try await store.claim([request], owner: "w2", lease: .seconds(30)).first)
            if outcome != .inProgress { return outcome }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HelperProcess.Failed(description: "\(request.key) was still held after 30 s")
    }

    @Test(
        "writeConcernError on a claim: transient for EDAL, the claim was applied; the next delivery waits for its lease, takes it over, and a later one is a duplicate"
    )
    func writeConcernErrorOnClaim() async throws {
        guard try TestServices.current() != nil else { return }
        let server = try await Server.start()
        let store = try await MongoStateStore.open(uri: server.uri)
        try await server.faults([
            ["kind": "writeConcernError", "command": "update", "collection": "claims", "times": 1]
        ])

        // An 8 s lease: long enough that the redelivery below meets it live on a loaded machine (a
        // 2 s one ran out in between in CI), short enough to wait out.
        let error = await #expect(throws: StateStoreError.self) {
            try await store.claim([Self.request("a")], owner: "w1", lease: .seconds(8))
        }
        #expect(error?.isTransient == true, "\(String(describing: error))")
        #expect(try await server.injected("writeConcernError") == 1)
        // Applied on the primary: the object is held, by a claim nobody knows the token of.
        #expect(try await store.storedClaim(bucket: "rs", key: "a")?.status == .processing)

        // The message comes back at once (EDAL did not delete it): held, not a duplicate.
        #expect(try await store.claim([Self.request("a")], owner: "w2", lease: .seconds(2)) == [.inProgress])
        // Once the lease is over, the work is taken over and done; after that, a duplicate.
        let outcome = try await Self.claimOnceFree(Self.request("a"), in: store)
        guard case .takenOver(let ticket) = outcome else {
            Issue.record("expected a take-over, got \(outcome)")
            return
        }
        #expect(
            try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s-a"))]) == [true])
        #expect(try await store.claim([Self.request("a")], owner: "w3", lease: .seconds(30)) == [.duplicate])
        await store.close()
        await server.stop()
    }

    @Test(
        "writeConcernError on a completion: transient for EDAL, the completion was applied; the next delivery is a duplicate, never a second signal"
    )
    func writeConcernErrorOnCompletion() async throws {
        guard try TestServices.current() != nil else { return }
        let server = try await Server.start()
        let store = try await MongoStateStore.open(uri: server.uri)
        let ticket = try #require(
            try await store.claim([Self.request("b")], owner: "w1", lease: .seconds(30)).first?.ticket)
        try await server.faults([
            ["kind": "writeConcernError", "command": "update", "collection": "claims", "times": 1]
        ])

        let error = await #expect(throws: StateStoreError.self) {
            try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s-b"))])
        }
        #expect(error?.isTransient == true, "\(String(describing: error))")
        #expect(try await store.storedClaim(bucket: "rs", key: "b")?.signalId == "s-b")
        #expect(try await store.claim([Self.request("b")], owner: "w2", lease: .seconds(30)) == [.duplicate])
        await store.close()
        await server.stop()
    }

    @Test("a primary shutting down (code 91, RetryableWriteError): transient, nothing applied, the next try claims")
    func transientError() async throws {
        guard try TestServices.current() != nil else { return }
        let server = try await Server.start()
        let store = try await MongoStateStore.open(uri: server.uri)
        try await server.faults([["kind": "transient", "command": "update", "collection": "claims", "times": 1]])

        let error = await #expect(throws: StateStoreError.self) {
            try await store.claim([Self.request("c")], owner: "w1", lease: .seconds(30))
        }
        #expect(error?.isTransient == true, "\(String(describing: error))")
        #expect(try await server.injected("transient") == 1)
        #expect(try await store.storedClaim(bucket: "rs", key: "c") == nil)
        #expect(try await store.claim([Self.request("c")], owner: "w1", lease: .seconds(30)).first?.ticket != nil)
        await store.close()
        await server.stop()
    }

    @Test(
        "a step-down in the middle of a claim batch, then no primary for 6 s: transient throughout; afterwards the unapplied half is claimed and the applied half waits for its lease"
    )
    func stepDownMidBatch() async throws {
        guard try TestServices.current() != nil else { return }
        let server = try await Server.start()
        let store = try await MongoStateStore.open(uri: server.uri)
        try await server.faults([
            ["kind": "stepDown", "command": "update", "collection": "claims", "times": 1, "seconds": 6]
        ])
        let keys = ["d0", "d1", "d2", "d3"]

        // Four objects are eight statements: the first four (objects d0, d1) are applied.
        let error = await #expect(throws: StateStoreError.self) {
            try await store.claim(keys.map { Self.request($0) }, owner: "w1", lease: .seconds(2))
        }
        #expect(
            error?.isTransient == true,
            "an interrupted batch must be retried, not reported as a refusal: \(String(describing: error))")
        #expect(try await server.injected("stepDown") == 1)
        // No primary: every write is refused, and EDAL says so as transient.
        let refused = await #expect(throws: StateStoreError.self) {
            try await store.claim(keys.map { Self.request($0) }, owner: "w1", lease: .seconds(2))
        }
        #expect(refused?.isTransient == true, "\(String(describing: refused))")
        #expect(try await server.injected("notWritablePrimary") >= 1)

        // The election is over (writes are accepted again): the half that was applied is held (its
        // lease still runs, or has just ended), the rest is claimed.
        var outcomes: [ClaimOutcome] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while outcomes.isEmpty, ContinuousClock.now < deadline {
            do {
                outcomes = try await store.claim(keys.map { Self.request($0) }, owner: "w2", lease: .seconds(30))
            } catch let error as StateStoreError where error.isTransient {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try #require(outcomes.count == keys.count, "writes were still refused after 30 s")
        #expect(outcomes[2].ticket != nil && outcomes[3].ticket != nil, "\(outcomes)")
        for (index, outcome) in outcomes.prefix(2).enumerated() {
            // Held by the interrupted batch until its lease ends (or already free, if it has).
            #expect(outcome == .inProgress || outcome.ticket != nil, "\(keys[index]): \(outcome)")
        }
        // Nothing is a duplicate: no object is mistaken for done.
        #expect(!outcomes.contains(.duplicate), "\(outcomes)")
        await store.close()
        await server.stop()
    }

    @Test("a server restarted (SIGKILL) with its data: a finished object is still a duplicate, a held one still held")
    func restartKeepsData() async throws {
        guard try TestServices.current() != nil else { return }
        let dataFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal-mongo-\(UUID().uuidString).json"
        ).path
        defer { for suffix in ["", ".tmp"] { try? FileManager.default.removeItem(atPath: dataFile + suffix) } }
        var server = try await Server.start(dataFile: dataFile)
        let port = server.fixture.port
        let store = try await MongoStateStore.open(uri: server.uri)
        let tickets = try await store.claim(
            [Self.request("done"), Self.request("held")], owner: "w1", lease: .seconds(60)
        ).compactMap(\.ticket)
        #expect(tickets.count == 2)
        #expect(
            try await store.complete([ClaimCompletion(ticket: tickets[0], outcome: .signalled(signalId: "s-done"))])
                == [true])
        _ = try await store.advanceWatermark(bucket: "rs", prefix: "", to: Date(timeIntervalSince1970: 1_800_000_000))

        await server.stop()
        server = try await Server.start(port: port, dataFile: dataFile)
        // The same store (its pool reconnects) sees what was acknowledged before the crash.
        var outcomes: [ClaimOutcome] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while outcomes.isEmpty, ContinuousClock.now < deadline {
            do {
                outcomes = try await store.claim(
                    [Self.request("done"), Self.request("held")], owner: "w2", lease: .seconds(60))
            } catch let error as StateStoreError where error.isTransient {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(outcomes == [.duplicate, .inProgress])
        #expect(try await store.storedClaim(bucket: "rs", key: "done")?.signalId == "s-done")
        #expect(try await store.watermark(bucket: "rs", prefix: "") == Date(timeIntervalSince1970: 1_800_000_000))
        await store.close()
        await server.stop()
    }
}
