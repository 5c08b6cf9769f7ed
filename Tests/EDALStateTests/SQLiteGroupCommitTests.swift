import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import EDALState

/// Group commit: operations that share a transaction each keep their own outcome.
@Suite struct SQLiteGroupCommitTests {
    /// A database in a fresh directory with one table `t(id TEXT PRIMARY KEY)` and a deferred foreign key
    /// `child.parent → t.id`, so a test can make the commit itself fail.
    static func database() throws -> SQLiteDatabase {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edal-group-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.appendingPathComponent("group.sqlite").path)
        try database.execute(
            """
            PRAGMA foreign_keys=ON;
            CREATE TABLE t (id TEXT PRIMARY KEY);
            CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES t(id) DEFERRABLE INITIALLY DEFERRED);
            """)
        return database
    }

    static func rows(_ database: SQLiteDatabase, _ table: String) throws -> [String] {
        var ids: [String] = []
        try database.run("SELECT id FROM \(table) ORDER BY id") { ids.append($0.text(0) ?? "") }
        return ids
    }

    /// An operation inserting `ids` into `table`, failing after its inserts when `fails`; records its outcome.
    static func insert(
        _ ids: [String], into table: String = "t", fails: Bool = false, parent: String? = nil,
        outcomes: NIOLockedValueBox<[String: String]>, name: String
    ) -> SQLiteGroupCommit.Operation {
        SQLiteGroupCommit.Operation(
            run: { database, shared in
                let work = { () throws(StateStoreError) -> Int in
                    for id in ids {
                        if let parent {
                            try database.run(
                                "INSERT INTO \(table) (id, parent) VALUES (?1, ?2)", [.text(id), .text(parent)])
                        } else {
                            try database.run("INSERT INTO \(table) (id) VALUES (?1)", [.text(id)])
                        }
                    }
                    if fails { throw .failed(store: "test", reason: "refused on purpose") }
                    return ids.count
                }
                let result = shared ? database.savepoint(work) : Result(catching: work)
                let succeeded = if case .success = result { true } else { false }
                return SQLiteGroupCommit.Ran(succeeded: succeeded) { commitError in
                    let outcome: String
                    if let commitError {
                        outcome = "commit failed: \(commitError)"
                    } else {
                        switch result {
                        case .success(let count): outcome = "inserted \(count)"
                        case .failure: outcome = "own error"
                        }
                    }
                    outcomes.withLockedValue { $0[name] = outcome }
                }
            },
            abandon: { error in outcomes.withLockedValue { $0[name] = "abandoned: \(error)" } }
        )
    }

    @Test("one operation failing undoes only its own writes; the others in its transaction are kept")
    func failingOperationIsItsOwn() throws {
        let database = try Self.database()
        let group = SQLiteGroupCommit()
        let outcomes = NIOLockedValueBox<[String: String]>([:])
        #expect(
            group.enqueue(Self.insert(["a1", "a2"], outcomes: outcomes, name: "a")), "the first one asks for a drain")
        #expect(
            !group.enqueue(Self.insert(["b1", "b2"], fails: true, outcomes: outcomes, name: "b")),
            "a drain is already due")
        #expect(!group.enqueue(Self.insert(["c1"], outcomes: outcomes, name: "c")))
        // A key already written by `a` in the same transaction: `d` fails on the primary key, alone.
        #expect(!group.enqueue(Self.insert(["d1", "a1"], outcomes: outcomes, name: "d")))
        group.drain(database)

        #expect(try Self.rows(database, "t") == ["a1", "a2", "c1"])
        let seen = outcomes.withLockedValue { $0 }
        #expect(seen == ["a": "inserted 2", "b": "own error", "c": "inserted 1", "d": "own error"])
        #expect(!database.inTransaction)
        #expect(
            group.enqueue(Self.insert(["e1"], outcomes: outcomes, name: "e")),
            "after the drain a new operation asks again")
    }

    @Test("an operation alone has no savepoint: when it fails its transaction is rolled back, and the next one commits")
    func operationAlone() throws {
        let database = try Self.database()
        let group = SQLiteGroupCommit()
        let outcomes = NIOLockedValueBox<[String: String]>([:])
        _ = group.enqueue(Self.insert(["a1", "a2"], fails: true, outcomes: outcomes, name: "a"))
        group.drain(database)
        #expect(try Self.rows(database, "t").isEmpty)
        #expect(outcomes.withLockedValue { $0 } == ["a": "own error"])
        #expect(!database.inTransaction)
        _ = group.enqueue(Self.insert(["b1"], outcomes: outcomes, name: "b"))
        group.drain(database)
        #expect(try Self.rows(database, "t") == ["b1"])
        #expect(outcomes.withLockedValue { $0["b"] } == "inserted 1")
        #expect(group.commits == 1)
    }

    @Test("a commit that fails is every operation's error, and none of their writes remain")
    func failedCommitFailsAll() throws {
        let database = try Self.database()
        let group = SQLiteGroupCommit()
        let outcomes = NIOLockedValueBox<[String: String]>([:])
        _ = group.enqueue(Self.insert(["a1"], outcomes: outcomes, name: "a"))
        // A child whose parent does not exist: the deferred foreign key refuses the COMMIT, not the insert.
        _ = group.enqueue(Self.insert(["orphan"], into: "child", parent: "nobody", outcomes: outcomes, name: "b"))
        group.drain(database)

        #expect(try Self.rows(database, "t").isEmpty)
        #expect(try Self.rows(database, "child").isEmpty)
        let seen = outcomes.withLockedValue { $0 }
        #expect(seen["a"]?.hasPrefix("commit failed") == true, "\(seen)")
        #expect(seen["b"]?.hasPrefix("commit failed") == true, "\(seen)")
        #expect(!database.inTransaction, "the failed transaction is rolled back")

        // The next group commits normally.
        _ = group.enqueue(Self.insert(["c1"], outcomes: outcomes, name: "c"))
        group.drain(database)
        #expect(try Self.rows(database, "t") == ["c1"])
    }

    @Test("groups are at most maximumOperations long; everything waiting is run")
    func groupsAreBounded() throws {
        let database = try Self.database()
        let group = SQLiteGroupCommit()
        let outcomes = NIOLockedValueBox<[String: String]>([:])
        let count = SQLiteGroupCommit.maximumOperations * 2 + 5
        for index in 0..<count {
            _ = group.enqueue(Self.insert(["k\(index)"], outcomes: outcomes, name: "\(index)"))
        }
        group.drain(database)
        #expect(try Self.rows(database, "t").count == count)
        #expect(outcomes.withLockedValue { $0.values.allSatisfy { $0 == "inserted 1" } })
        #expect(group.commits == 3, "\(count) operations in groups of \(SQLiteGroupCommit.maximumOperations)")
    }

    @Test("abandonAll reports the error to everything waiting")
    func abandonAll() throws {
        let group = SQLiteGroupCommit()
        let outcomes = NIOLockedValueBox<[String: String]>([:])
        _ = group.enqueue(Self.insert(["a1"], outcomes: outcomes, name: "a"))
        _ = group.enqueue(Self.insert(["b1"], outcomes: outcomes, name: "b"))
        group.abandonAll(.unavailable(store: "test", reason: "closed"))
        #expect(outcomes.withLockedValue { $0.values.allSatisfy { $0.hasPrefix("abandoned") } && $0.count == 2 })
    }
}
