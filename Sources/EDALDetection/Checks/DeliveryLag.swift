/// How long after an object's `LastModified` the worker got to see it, over its recent objects.
///
/// This is the queue's lag plus the skew between S3's clock and the worker's, rounded up by
/// S3's whole-second `LastModified`. The silence check adds it to the gap it waits for, so a
/// worker behind its queue, or one whose clock runs ahead, does not mistake its own delay for a
/// source's silence. The window is short so that a backlog worked off stops widening the check.
struct DeliveryLag: Sendable {
    /// Lags of the most recent objects, as a ring.
    private var samples: [Double] = []
    private var next = 0
    static let window = 64

    mutating func record(_ seconds: Double) {
        guard seconds.isFinite else { return }
        if samples.count < Self.window {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % Self.window
        }
    }

    /// Seconds to wait beyond the usual gaps: the largest recent lag, plus one second for the
    /// resolution of `LastModified`; zero before any object was seen (simulated time).
    var allowance: Double {
        guard let largest = samples.max() else { return 0 }
        return max(largest, 0) + 1
    }
}
