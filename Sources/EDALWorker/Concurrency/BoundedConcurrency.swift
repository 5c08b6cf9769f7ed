/// Runs `operation` for every index in `0..<count`, at most `limit` at a time, and hands each result
/// to `onResult` as it completes (in completion order, on the calling task). The first error
/// cancels what is still running and is rethrown.
public func forEachConcurrently<Result: Sendable>(
    count: Int, limit: Int,
    _ operation: @escaping @Sendable (Int) async throws -> Result,
    onResult: (Int, Result) throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var next = 0
        func startNext() {
            let index = next
            next += 1
            group.addTask { (index, try await operation(index)) }
        }
        while next < min(max(1, limit), count) { startNext() }
        while let (index, result) = try await group.next() {
            try onResult(index, result)
            if next < count { startNext() }
        }
    }
}
