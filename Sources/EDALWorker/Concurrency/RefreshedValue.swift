/// A value computed at most once per `maximumAge` however often it is asked for: callers that
/// arrive during a refresh wait for that refresh instead of starting their own. The health
/// endpoints and the operator page answer from it, so a flood of requests makes no more calls to
/// SQS, Kinesis or the store than one request every `maximumAge`.
public actor RefreshedValue<Value: Sendable> {
    public let maximumAge: Duration
    private let compute: @Sendable () async -> Value
    private var current: (value: Value, at: ContinuousClock.Instant)?
    private var refreshing: Task<Value, Never>?
    /// Refreshes made so far.
    public private(set) var refreshes = 0

    public init(maximumAge: Duration, _ compute: @escaping @Sendable () async -> Value) {
        self.maximumAge = maximumAge
        self.compute = compute
    }

    /// The value, refreshed first when it is older than `maximumAge`.
    public func value() async -> Value {
        if let current, current.at.duration(to: .now) < maximumAge { return current.value }
        if let refreshing { return await refreshing.value }
        // Not a child task: a caller that goes away must not cancel the refresh others wait on.
        let task = Task { await compute() }
        refreshing = task
        refreshes += 1
        let value = await task.value
        current = (value, .now)
        refreshing = nil
        return value
    }
}
