/// Where a signal ended up.
public enum SignalDelivery: Sendable, Equatable {
    /// Stored in the Kinesis stream.
    case kinesis
    /// The stream refused it after every retry; it is in the fallback SQS queue.
    case fallback
    /// Neither sink took it: the object's claim is released and its message stays in the queue.
    case failed(reason: String)

    public var isDelivered: Bool {
        if case .failed = self { return false }
        return true
    }

    /// `kinesis`, `fallback` or `failed`, for logs and metrics.
    public var label: String {
        switch self {
        case .kinesis: return "kinesis"
        case .fallback: return "fallback"
        case .failed: return "failed"
        }
    }
}
