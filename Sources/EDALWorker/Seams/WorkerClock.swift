import EDALAWS
import Foundation

/// The worker's time: wall time for leases, a monotonic reading for how long things took, and
/// sleeping. `SystemClock` is the real one; the deterministic simulation supplies virtual time, so
/// hours of back-off and lease expiry pass in microseconds and replay exactly.
public protocol WorkerClock: Sendable {
    /// Wall time.
    var now: Date { get }
    /// Monotonic time since an arbitrary origin.
    var elapsed: Duration { get }
    /// Sleeps for `duration`; throws `CancellationError` when the task is cancelled first.
    func sleep(for duration: Duration) async throws
    /// A random duration in `0...ceiling` (the jitter of a back-off).
    func jitter(upTo ceiling: Duration) -> Duration
}

extension RetryPolicy {
    /// A full-jitter delay before retry number `retry`, its randomness from `clock`.
    public func delay(retry: Int, clock: any WorkerClock) -> Duration {
        clock.jitter(upTo: delayCeiling(retry: retry))
    }
}

/// The host's clocks.
public struct SystemClock: WorkerClock {
    private static let origin = ContinuousClock.now

    public init() {}

    public var now: Date { Date() }
    public var elapsed: Duration { ContinuousClock.now - Self.origin }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }

    public func jitter(upTo ceiling: Duration) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return RetryPolicy.fullJitter(upTo: ceiling, using: &generator)
    }
}
