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
