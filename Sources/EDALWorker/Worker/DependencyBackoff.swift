import EDALAWS
import NIOConcurrencyHelpers

/// Slows receiving down while the store, S3 or the sinks fail, so messages are not churned through
/// their receive counts (towards the dead-letter queue) during an outage: 1 s, 2 s, … up to 30 s.
final class DependencyBackoff: Sendable {
    private struct State {
        var failures = 0
        var pausedUntil: Duration?
    }

    private let state = NIOLockedValueBox(State())
    /// 1 s doubling up to `maximum` (no jitter: the pause is this worker's own, not a request's).
    private let schedule: RetryPolicy
    private let clock: any WorkerClock

    init(maximum: Duration = .seconds(30), clock: any WorkerClock = SystemClock()) {
        self.schedule = RetryPolicy(maximumAttempts: .max, baseDelay: .seconds(1), maximumDelay: maximum)
        self.clock = clock
    }

    func recordFailure() {
        state.withLockedValue { state in
            state.failures += 1
            state.pausedUntil = clock.elapsed + schedule.delayCeiling(retry: state.failures)
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
