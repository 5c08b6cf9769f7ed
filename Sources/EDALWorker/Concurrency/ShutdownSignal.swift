import NIOConcurrencyHelpers

/// A one-way flag tasks can check or wait on: set by SIGTERM/SIGINT (or a test) to stop receiving.
public final class ShutdownSignal: Sendable {
    private struct State {
        var requested = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextId: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public var isRequested: Bool {
        state.withLockedValue { $0.requested }
    }

    /// Sets the flag and wakes every waiter. Later calls do nothing.
    public func request() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.requested else { return [] }
            state.requested = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the flag is set, or when the waiting task is cancelled.
    public func wait() async {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.requested { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                } else if Task.isCancelled {
                    stopWaiting(id)
                }
            }
        } onCancel: {
            stopWaiting(id)
        }
    }

    /// Sleeps for `duration`; answers `false` when shutdown was requested (or the task cancelled) first.
    public func sleep(for duration: Duration, clock: any WorkerClock = SystemClock()) async -> Bool {
        guard !isRequested else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await clock.sleep(for: duration)) != nil }
            group.addTask {
                await self.wait()
                return false
            }
            let slept = await group.next() ?? false
            group.cancelAll()
            return slept && !isRequested && !Task.isCancelled
        }
    }

    private func stopWaiting(_ id: UInt64) {
        let waiter = state.withLockedValue { $0.waiters.removeValue(forKey: id) }
        waiter?.resume()
    }
}
