import Foundation
import Testing

@testable import EDALState
@testable import EDALWorker

/// The stores when their server or file is unavailable: typed errors within the timeout, never a
/// crash or a hang, and normal service once the fault is gone.
@Suite("State store faults", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct StateStoreFaultTests {
    /// What a load of claimers saw, phase by phase.
    actor LoadRecord {
        var phase = 0
        var successes: [Int: Int] = [:]
        var unavailable = 0
        var otherErrors: [String] = []
        var slowestFailure: Duration = .zero
        var stopped = false

        func success() { successes[phase, default: 0] += 1 }
        func failure(_ error: any Error, after duration: Duration) {
            if case StateStoreError.unavailable = error { unavailable += 1 } else { otherErrors.append("\(error)") }
            slowestFailure = max(slowestFailure, duration)
        }
        func next() { phase += 1 }
        func stop() { stopped = true }
        func successes(in phase: Int) -> Int { successes[phase, default: 0] }
    }

    @Test("MongoDB stopped under load: typed unavailable within the timeout, then works again")
    func mongoStoppedUnderLoad() async throws {
        guard try TestServices.current() != nil else { return }
        var fixture = try await MongoFixtureProcess.start()
        let port = fixture.port
        let uri =
            "mongodb://127.0.0.1:\(port)/edal_fault?directConnection=true"
            + "&serverSelectionTimeoutMS=1500&connectTimeoutMS=1000&socketTimeoutMS=3000"
        let store = try await MongoStateStore.open(uri: uri)
        let record = LoadRecord()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var batch = 0
                    while await !record.stopped {
                        batch += 1
                        let requests = (0..<10).map {
                            ClaimRequest(bucket: "fault", key: "w\(worker)/b\(batch)/\($0)", eTag: "e")
                        }
                        let clock = ContinuousClock()
                        let started = clock.now
                        do {
                            let tickets = try await store.claim(requests, owner: "w\(worker)", lease: .seconds(60))
                                .compactMap(\.ticket)
                            _ = try await store.complete(
                                tickets.map { ClaimCompletion(ticket: $0, outcome: .notAnomalous) })
                            await record.success()
                        } catch {
                            await record.failure(error, after: clock.now - started)
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
            // Phase 0: normal service. Phase 1: the server is gone. Phase 2: it is back. Each phase
            // lasts until what it is for has been seen (at most 30 s).
            func waitFor(_ condition: () async -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(30)
                while await !condition(), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await waitFor { await record.successes(in: 0) >= 5 }
            await record.next()
            fixture.kill()
            try await waitFor { await record.unavailable >= 8 }
            #expect(await record.unavailable > 0)
            fixture = try await MongoFixtureProcess.start(port: port)
            await record.next()
            let deadline = Date().addingTimeInterval(20)
            while await record.successes(in: 2) < 5, Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            await record.stop()
            try await group.waitForAll()
        }
        await store.close()
        fixture.kill()

        #expect(await record.successes(in: 0) > 0)
        #expect(await record.successes(in: 2) >= 5, "the store did not recover after the server came back")
        let otherErrors = await record.otherErrors
        #expect(otherErrors.isEmpty, "errors other than unavailable: \(otherErrors.prefix(3))")
        // Server selection (1.5 s) plus one socket timeout (3 s) bound every failed call (with twice
        // that as margin for a loaded machine: the point is a bound, not a hang).
        #expect(await record.slowestFailure < .seconds(9))
    }

    @Test("SQLite locked by another writer past the busy timeout: typed unavailable, then works again")
    func sqliteLockedByAnotherWriter() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edal-lock-\(UUID().uuidString).db")
            .path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await SQLiteStateStore.open(path: path, busyTimeout: .milliseconds(300))
        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN IMMEDIATE")

        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: StateStoreError.self) {
            try await store.claim([ClaimRequest(bucket: "b", key: "k", eTag: "e")], owner: "a", lease: .seconds(60))
        }
        #expect(error?.isTransient == true)
        #expect(clock.now - started < .seconds(3))

        try other.execute("COMMIT")
        other.close()
        let outcomes = try await store.claim(
            [ClaimRequest(bucket: "b", key: "k", eTag: "e")], owner: "a", lease: .seconds(60))
        #expect(outcomes.first?.ticket != nil)
        await store.close()
    }

    @Test("an unusable URI is a typed error that says what to write")
    func invalidURIs() async throws {
        for uri in ["postgres://db/edal", "sqlite:", "mongodb://"] {
            let error = await #expect(throws: StateStoreError.self) { _ = try await StateStoreFactory.open(uri: uri) }
            guard case .invalidURI? = error else {
                Issue.record("\(uri): expected invalidURI, got \(String(describing: error))")
                continue
            }
        }
        #expect(
            MongoConnection.redact("mongodb://edal:s3cret@db1:27017,db2/edal?tls=true")
                == "mongodb://edal:***@db1:27017,db2/edal?tls=true")
        #expect(
            try StateStoreFactory.location(of: "sqlite:///var/lib/edal/state.db")
                == .sqlite(path: "/var/lib/edal/state.db"))
        #expect(try StateStoreFactory.location(of: "sqlite:state.db") == .sqlite(path: "state.db"))
    }
}
