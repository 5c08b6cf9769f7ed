/// How a drain ended.
public struct DrainResult: Sendable, Equatable {
    public enum Ending: String, Sendable, Equatable {
        /// The queue is empty: nothing visible, in flight or delayed.
        case empty
        /// Messages remain, but nothing moved for the idle timeout (failing work, or held elsewhere).
        case idle
        /// SIGTERM/SIGINT arrived first.
        case shutdown
    }

    public var ending: Ending
    public var counts: WorkerCounts
    public var seconds: Double
    /// From the start to the last message deleted: the time spent working, without start-up and
    /// the empty receives that confirm the end.
    public var workSeconds: Double
    /// Messages the queue still held at the end (visible + in flight + delayed), when known.
    public var messagesLeft: Int?

    /// `true` when nothing was left undone: the queue is empty and no message was bound for the
    /// dead-letter queue.
    public var isComplete: Bool {
        ending == .empty && (messagesLeft ?? 0) == 0 && counts.malformedMessages == 0
    }

    public var objectsPerSecond: Double {
        seconds > 0 ? Double(counts.objects) / seconds : 0
    }

    /// Objects per second of work (`workSeconds`).
    public var workObjectsPerSecond: Double {
        workSeconds > 0 ? Double(counts.objects) / workSeconds : 0
    }
}

extension DrainResult {
    /// The workers of several queues as one drain: it ended as the least finished of them, lasted as
    /// long as the longest, and left what they all left. `counts` are the shared counters'.
    public init(combining results: [DrainResult], counts: WorkerCounts) {
        let order: [Ending] = [.shutdown, .idle, .empty]
        ending = order.first { ending in results.contains { $0.ending == ending } } ?? .empty
        self.counts = counts
        seconds = results.map(\.seconds).max() ?? 0
        workSeconds = results.map(\.workSeconds).max() ?? 0
        let left = results.compactMap(\.messagesLeft)
        messagesLeft = left.isEmpty ? nil : left.reduce(0, +)
    }
}
