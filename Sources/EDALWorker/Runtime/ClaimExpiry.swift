import EDALState
import Foundation
import Logging

/// Deletes expired claims every `interval`, `batch` at a time, until shutdown (`edal run` with a
/// SQLite store: MongoDB's TTL index deletes them on the server).
public struct ClaimExpiry: Sendable {
    public var store: any ClaimPruning
    public var interval: Duration = .seconds(600)
    public var batch: Int = 10_000
    public var clock: any WorkerClock = SystemClock()
    public var logger: Logger

    public init(store: any ClaimPruning, logger: Logger = Logger(label: "edal.claims")) {
        self.store = store
        self.logger = logger
    }

    public func run(shutdown: ShutdownSignal) async {
        repeat {
            var deleted = 0
            do {
                while !shutdown.isRequested {
                    let removed = try await store.pruneExpiredClaims(now: clock.now, limit: batch)
                    deleted += removed
                    if removed < batch { break }
                }
                if deleted > 0 { logger.info("expired claims deleted", metadata: ["claims": "\(deleted)"]) }
            } catch {
                logger.warning(
                    "cannot delete expired claims; trying again later",
                    metadata: ["error": .error(error), "deleted": "\(deleted)"])
            }
        } while await shutdown.sleep(for: interval, clock: clock)
    }
}
