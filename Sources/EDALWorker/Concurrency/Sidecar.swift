/// Runs `work` while `sidecar` runs beside it in a child task — renewing the leases or the message
/// visibility the work needs — and stops the sidecar as soon as the work ends: the child is
/// cancelled and waited for when this returns, so nothing is renewed after the work is done.
func withSidecar<T>(_ sidecar: @escaping @Sendable () async -> Void, while work: () async -> T) async -> T {
    async let _ = sidecar()
    return await work()
}

/// Calls `body` every `interval` on `clock` until the task is cancelled. A failure is given to
/// `failed` and `body` runs again at the next interval (a lease renewal missed once is caught up
/// before the lease runs out: renewals run at half its length).
func repeatEvery(
    _ interval: Duration, clock: any WorkerClock, _ body: @Sendable () async throws -> Void,
    failed: @Sendable (any Error) -> Void
) async {
    while !Task.isCancelled {
        do {
            try await clock.sleep(for: interval)
            try await body()
        } catch is CancellationError {
            return
        } catch {
            failed(error)
        }
    }
}
