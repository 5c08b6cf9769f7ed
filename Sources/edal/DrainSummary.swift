import EDALAWS
import EDALWorker
import Foundation

/// The table `edal drain` prints at the end, and the same figures as JSON.
struct DrainSummary {
    var result: DrainResult
    /// AWS requests by `service.Operation`, retries included (when known).
    var requests: [String: Int] = [:]
    /// Of those, the retries, by operation and reason.
    var retries: [AWSRetry: Int] = [:]
    var storeRoundTrips: UInt64?

    /// Retries by `service.Operation`.
    var retriesByOperation: [String: Int] {
        retries.reduce(into: [:]) { $0[$1.key.operation, default: 0] += $1.value }
    }

    /// Retries by reason (`throttling`, `server_error`, `transport`).
    var retriesByReason: [String: Int] {
        retries.reduce(into: [:]) { $0[$1.key.reason.rawValue, default: 0] += $1.value }
    }

    var rows: [(String, String)] {
        var rows = countRows
        if !requests.isEmpty {
            let total = requests.values.reduce(0, +)
            let detail = requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            rows.append(("AWS requests", "\(total) (\(detail))"))
        }
        if !retries.isEmpty {
            let detail = retriesByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                separator: ", ")
            rows.append(("AWS retries", "\(retries.values.reduce(0, +)) (\(detail))"))
        }
        if let storeRoundTrips { rows.append(("store round trips", "\(storeRoundTrips)")) }
        return rows
    }

    private var countRows: [(String, String)] {
        let counts = result.counts
        return [
            ("ending", result.ending.rawValue + (result.isComplete ? " (complete)" : " (work left undone)")),
            ("messages received", "\(counts.messagesReceived)"),
            ("messages deleted", "\(counts.messagesDeleted)"),
            ("messages left in queue", result.messagesLeft.map(String.init) ?? "unknown"),
            ("test events", "\(counts.testEvents)"),
            ("ignored records", "\(counts.ignoredRecords)"),
            ("rejected records", "\(counts.rejectedRecords) (bucket not allowed, DLQ-bound)"),
            ("owner mismatches", "\(counts.ownerMismatchRecords) (the event names another bucket owner, DLQ-bound)"),
            ("refused HEADs", "\(counts.refusedHeads) (403: permission or bucket owner, DLQ-bound)"),
            ("malformed (DLQ-bound)", "\(counts.malformedMessages)"),
            ("objects", "\(counts.objects)"),
            ("claimed", "\(counts.claimed + counts.takenOver) (\(counts.takenOver) taken over)"),
            ("duplicates", "\(counts.duplicates)"),
            ("in progress elsewhere", "\(counts.inProgress)"),
            ("stale", "\(counts.stale + counts.superseded) (\(counts.superseded) superseded at HEAD)"),
            ("objects gone", "\(counts.objectsGone)"),
            ("scored", "\(counts.scored)"),
            ("anomalies", "\(counts.anomalies)"),
            ("source events", "\(counts.sourceEvents) (new, resumed, burst)"),
            ("signals to Kinesis", "\(counts.signalsToKinesis)"),
            ("signals to fallback", "\(counts.signalsToFallback)"),
            (
                "errors",
                "\(counts.errors) (store \(counts.storeErrors), HEAD \(counts.headErrors), sinks \(counts.signalsFailed), receive \(counts.receiveErrors), delete \(counts.deleteErrors))"
            ),
            ("wall time", String(format: "%.1f s (%.1f s to the last delete)", result.seconds, result.workSeconds)),
            ("objects/s", String(format: "%.0f", result.objectsPerSecond)),
        ]
    }

    func print() {
        Swift.print("")
        Swift.print("edal drain summary")
        for (name, value) in rows {
            Swift.print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value)")
        }
    }

    func json() throws -> Data {
        let counts = result.counts
        let object: [String: Any] = [
            "ending": result.ending.rawValue, "complete": result.isComplete,
            "messages_left": result.messagesLeft as Any,
            "seconds": result.seconds, "objects_per_second": result.objectsPerSecond,
            "work_seconds": result.workSeconds,
            "work_objects_per_second": result.workObjectsPerSecond,
            "messages_received": counts.messagesReceived, "messages_deleted": counts.messagesDeleted,
            "malformed": counts.malformedMessages, "rejected": counts.rejectedRecords,
            "refused_heads": counts.refusedHeads, "owner_mismatches": counts.ownerMismatchRecords,
            "test_events": counts.testEvents, "objects": counts.objects,
            "claimed": counts.claimed, "taken_over": counts.takenOver, "duplicates": counts.duplicates,
            "in_progress": counts.inProgress,
            "stale": counts.stale, "superseded": counts.superseded, "objects_gone": counts.objectsGone,
            "scored": counts.scored,
            "anomalies": counts.anomalies, "source_events": counts.sourceEvents,
            "signals_kinesis": counts.signalsToKinesis, "signals_fallback": counts.signalsToFallback,
            "errors": counts.errors, "head_requests": counts.headRequests,
            "visibility_extensions": counts.visibilityExtensions,
            "requests": requests, "retries": retriesByOperation, "retry_reasons": retriesByReason,
            "store_round_trips": storeRoundTrips.map { Int($0) } as Any,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }
}
