import NIOConcurrencyHelpers

/// A one-way flag tasks can check or wait on: set by SIGTERM/SIGINT (or a test) to stop receiving.
public final class ShutdownSignal: Sendable {
    private struct State {
        var requested = false
        var waiters: [CheckedContinuation<Void, Never>] = []
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
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the flag is set.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.requested { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
