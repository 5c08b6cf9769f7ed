import EDALState
import NIOConcurrencyHelpers

/// What `/healthz` and `/readyz` answer, and the dependency list the operator page shows.
///
/// - Liveness (`/healthz`) fails only when the receive loops are stuck (`ProgressWatch`): restarting
///   helps then, and nothing else.
/// - Readiness (`/readyz`) turns ready once every dependency (queue, store, signal sink) has answered
///   together, and stays ready through later outages. An outage reaches every replica at once;
///   marking them all unready would change nothing for a queue consumer (it serves no traffic) but
///   would count every replica as disrupted, so a PodDisruptionBudget would block node drains for
///   as long as the outage lasts. A replica that has never reached its dependencies (a wrong queue
///   URL, credentials that do not work) stays unready, which stops a rollout of a broken
///   configuration. The current state of each dependency is in the answer's body either way.
///
/// Dependency checks are shared (`RefreshedValue`): however many requests arrive, they are made at
/// most once per `refreshInterval`.
public final class WorkerHealth: Sendable {
    public let dependencies: RefreshedValue<[OperatorSnapshot.Dependency]>
    public let progress: ProgressWatch
    private let readySince = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    private let counts: @Sendable () -> WorkerCounts
    private let queueWaiting: @Sendable () -> Int?

    public init(
        refreshInterval: Duration = .seconds(5), stallTimeout: Duration,
        check: @escaping @Sendable () async -> [OperatorSnapshot.Dependency],
        counts: @escaping @Sendable () -> WorkerCounts, queueWaiting: @escaping @Sendable () -> Int?
    ) {
        dependencies = RefreshedValue(maximumAge: refreshInterval, check)
        progress = ProgressWatch(timeout: stallTimeout)
        self.counts = counts
        self.queueWaiting = queueWaiting
    }

    /// `/healthz`: `ok`, or what is stuck.
    public func liveness() -> (healthy: Bool, text: String) {
        if let problem = progress.problem(counts(), queueWaiting: queueWaiting()) { return (false, problem + "\n") }
        return (true, "ok\n")
    }

    /// `/readyz`: ready (once every dependency has answered), and each dependency's state now.
    public func readiness() async -> (ready: Bool, text: String) {
        let checks = await dependencies.value()
        let since = readySince.withLockedValue { since -> ContinuousClock.Instant? in
            if since == nil, checks.allSatisfy({ $0.problem == nil }) { since = .now }
            return since
        }
        var lines = checks.map { "\($0.name): \($0.problem ?? "ok")" }
        if let since {
            if checks.contains(where: { $0.problem != nil }) {
                lines.append(
                    "ready: every dependency answered \(Int(since.duration(to: .now).seconds)) s ago or earlier; an outage now keeps this replica ready (every replica sees it)"
                )
            }
        } else {
            lines.append("not ready: every dependency must answer once")
        }
        return (since != nil, lines.joined(separator: "\n") + "\n")
    }
}
