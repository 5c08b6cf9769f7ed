import NIOConcurrencyHelpers

/// Group commit for the SQLite store: claims, completions and lease updates that wait for the store's
/// thread run together in one transaction.
///
/// Under load every batch in flight waits for the thread at once. One transaction for all of them
/// means one hop to the thread, one commit, and every page they share (a B-tree leaf that several
/// batches' keys fall into) written to the WAL once, not once per batch. When nothing else waits, an
/// operation has its own transaction, as before.
///
/// Each operation of a group runs in its own savepoint, so one that fails undoes only its own writes
/// and reports its own error; the others are kept. (An operation alone needs no savepoint: when it
/// fails, its transaction is rolled back.) An operation's answer is given only once the
/// transaction has committed: if the commit fails, every operation of the group reports that error,
/// and none of their writes remain.
final class SQLiteGroupCommit: Sendable {
    /// Reports an operation's outcome, given the commit's error (`nil`: committed).
    typealias Settle = @Sendable (StateStoreError?) -> Void

    /// One operation: `run` does its work inside the transaction (in a savepoint when `shared`) and
    /// returns how to report it; `abandon` reports an error when it never ran.
    struct Operation: Sendable {
        var run: @Sendable (_ database: SQLiteDatabase, _ shared: Bool) -> Ran
        var abandon: @Sendable (StateStoreError) -> Void
    }

    /// What an operation did: whether its work succeeded, and how to report it once the transaction ends.
    struct Ran {
        var succeeded: Bool
        var settle: Settle
    }

    private struct Waiting {
        var operations: [Operation] = []
        /// A drain is scheduled or running on the store's thread.
        var draining = false
    }

    /// The most operations one transaction takes (about 640 objects at ten per batch): bounds how long
    /// the write lock is held when another process shares the file.
    static let maximumOperations = 64

    private let waiting = NIOLockedValueBox(Waiting())
    private let committed = NIOLockedValueBox<UInt64>(0)

    /// Transactions committed so far (each one group).
    var commits: UInt64 { committed.withLockedValue { $0 } }

    /// Adds `operation`; answers whether the caller must schedule a drain (none is scheduled or running).
    func enqueue(_ operation: Operation) -> Bool {
        waiting.withLockedValue { waiting in
            waiting.operations.append(operation)
            guard !waiting.draining else { return false }
            waiting.draining = true
            return true
        }
    }

    /// Runs what waits, a group at a time, until nothing does. Call on the store's thread only.
    func drain(_ database: SQLiteDatabase) {
        while runNextGroup(database) {}
    }

    /// Runs the next group in one transaction; answers whether more operations wait. When they do,
    /// the drain stays scheduled and the caller submits it again, so that the thread's other jobs
    /// (pruning, watermarks, closing) get their turn between groups under steady load.
    /// Call on the store's thread only.
    func runNextGroup(_ database: SQLiteDatabase) -> Bool {
        if let group = next() { run(group, database) }
        return waiting.withLockedValue { waiting in
            guard waiting.operations.isEmpty else { return true }
            waiting.draining = false
            return false
        }
    }

    private func run(_ group: ArraySlice<Operation>, _ database: SQLiteDatabase) {
        // A transaction left open (a ROLLBACK that failed) would make every BEGIN fail: end it first.
        if database.inTransaction { database.rollback() }
        do {
            try database.run("BEGIN IMMEDIATE")
        } catch {
            for operation in group { operation.abandon(error) }
            return
        }
        if group.count == 1, let operation = group.first {
            let ran = operation.run(database, false)
            guard ran.succeeded else {
                // Its own error; nothing of it is kept.
                if database.inTransaction { database.rollback() }
                ran.settle(nil)
                return
            }
            commit(database, [ran.settle])
            return
        }
        var settles: [Settle] = []
        settles.reserveCapacity(group.count)
        for (index, operation) in group.enumerated() {
            // SQLite rolled the transaction back on its own (an I/O or full-disk error): what ran
            // before is undone, so nothing of this group may report success.
            guard database.inTransaction else {
                let lost = StateStoreError.failed(
                    store: database.store, reason: "the transaction was rolled back by SQLite")
                for settle in settles { settle(lost) }
                for rest in group[index...] { rest.abandon(lost) }
                settles = []
                break
            }
            settles.append(operation.run(database, true).settle)
        }
        guard !settles.isEmpty else { return }
        commit(database, settles)
    }

    /// Commits the open transaction (rolling it back if the commit fails) and reports to each operation.
    private func commit(_ database: SQLiteDatabase, _ settles: [Settle]) {
        var commitError: StateStoreError?
        if !database.inTransaction {
            // SQLite rolled the transaction back on its own: nothing of it was kept.
            commitError = .failed(store: database.store, reason: "the transaction was rolled back by SQLite")
        } else {
            do {
                try database.run("COMMIT")
                committed.withLockedValue { $0 += 1 }
            } catch {
                commitError = error
                database.rollback()
            }
        }
        for settle in settles { settle(commitError) }
    }

    /// Reports `error` to everything waiting (the store is closed or its thread stopped).
    func abandonAll(_ error: StateStoreError) {
        let abandoned = waiting.withLockedValue { waiting in
            defer {
                waiting.operations = []
                waiting.draining = false
            }
            return waiting.operations
        }
        for operation in abandoned { operation.abandon(error) }
    }

    /// The next group, or `nil` when nothing waits.
    private func next() -> ArraySlice<Operation>? {
        waiting.withLockedValue { waiting in
            guard !waiting.operations.isEmpty else { return nil }
            let count = min(waiting.operations.count, Self.maximumOperations)
            let group = waiting.operations[..<count]
            waiting.operations.removeFirst(count)
            return group
        }
    }
}
