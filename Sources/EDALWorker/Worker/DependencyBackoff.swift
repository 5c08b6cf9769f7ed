import NIOConcurrencyHelpers

/// Slows receiving down while the store, S3 or the sinks fail, so messages are not churned through
/// their receive counts (towards the dead-letter queue) during an outage: 1 s, 2 s, … up to 30 s.
final class DependencyBackoff: Sendable {
    private struct State {
        var failures = 0
        var pausedUntil: Duration?
    }

    private let state = NIOLockedValueBox(State())
    private let maximum: Duration
    private let clock: any WorkerClock

    init(maximum: Duration = .seconds(30), clock: any WorkerClock = SystemClock()) {
        self.maximum = maximum
        self.clock = clock
    }

    func recordFailure() {
        state.withLockedValue { state in
            state.failures += 1
            let delay = min(maximum, .seconds(1) * (1 << min(state.failures - 1, 10)))
            state.pausedUntil = clock.elapsed + delay
        }
    }

    func recordSuccess() {
        state.withLockedValue { state in
            state.failures = 0
            state.pausedUntil = nil
        }
    }

    /// The pause still to wait before the next receive, if any.
    var remainingPause: Duration? {
        state.withLockedValue { state in
            guard let until = state.pausedUntil else { return nil }
            let now = clock.elapsed
            return until > now ? until - now : nil
        }
    }
}
