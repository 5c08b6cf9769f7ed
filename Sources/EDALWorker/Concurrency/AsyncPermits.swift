import NIOConcurrencyHelpers

/// A counting semaphore for async code: bounds the messages in work so a deep queue cannot fill memory.
final class AsyncPermits: Sendable {
    private struct Waiter {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextId: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>
    let capacity: Int

    init(_ capacity: Int) {
        self.capacity = max(1, capacity)
        state = NIOLockedValueBox(State(available: max(1, capacity)))
    }

    /// Permits not taken.
    var available: Int { state.withLockedValue { $0.available } }

    /// Takes `count` permits, waiting (first come, first served) until they are free.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func acquire(_ count: Int) async throws {
        let count = min(count, capacity)
        let id = state.withLockedValue { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let granted = state.withLockedValue { state -> Bool in
                    if state.waiters.isEmpty, state.available >= count {
                        state.available -= count
                        return true
                    }
                    state.waiters.append(Waiter(id: id, count: count, continuation: continuation))
                    return false
                }
                if granted {
                    continuation.resume()
                } else if Task.isCancelled {
                    cancel(id)
                }
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Gives `count` permits back and wakes the waiters they satisfy.
    func release(_ count: Int) {
        guard count > 0 else { return }
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, any Error>] in
            state.available = min(capacity, state.available + count)
            var ready: [CheckedContinuation<Void, any Error>] = []
            while let first = state.waiters.first, first.count <= state.available {
                state.available -= first.count
                ready.append(first.continuation)
                state.waiters.removeFirst()
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    private func cancel(_ id: UInt64) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: CancellationError())
    }
}
