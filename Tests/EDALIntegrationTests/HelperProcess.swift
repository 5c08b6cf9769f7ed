import Foundation
import Testing

/// Runs the programs the package builds (`edal`, `edal-test-helper`) as separate OS processes.
enum HelperProcess {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// The built executable called `name`, next to the test bundle in the build directory.
    static func executable(_ name: String = "edal-test-helper") throws -> String {
        // The test binary runs from `.build/<triple>/<configuration>/`; the package's executables sit beside it.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        let fallback = FileManager.default.currentDirectoryPath + "/.build/debug/" + name
        guard FileManager.default.isExecutableFile(atPath: fallback) else {
            throw Failed(description: "\(name) is not built: run `swift build --build-tests` (make test does)")
        }
        return fallback
    }

    /// How a child process ended.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errors: String
        /// The process outlived the wait's limit and was killed.
        var timedOut = false
    }

    /// Runs `executable` to completion off the cooperative pool; returns its standard output.
    /// - Throws: `Failed` (with its standard error) when it exits non-zero.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws
        -> String
    {
        let outcome = try await execute(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw Failed(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.errors)")
        }
        return outcome.output
    }

    /// Runs `executable` to completion; answers its exit status and output whatever the status.
    static func execute(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws
        -> Outcome
    {
        let process = try start(executable, arguments, environment: environment)
        return await process.wait()
    }

    /// Starts `executable` and returns at once; `wait()` for it, or `kill(_:)` it.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
        -> Running
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // Read both pipes on plain threads (blocking reads until end of file) so a chatty child never
        // blocks on a full pipe. Not `readabilityHandler`: its dispatch sources, torn down while a
        // termination handler runs, crashed libdispatch's event loop under parallel tests.
        let running = Running(process: process)
        for (pipe, isError) in [(output, false), (errors, true)] {
            let handle = pipe.fileHandleForReading
            let reader = Thread {
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    running.collected.append(data, error: isError)
                }
                running.finishReading()
            }
            reader.start()
        }
        process.terminationHandler = { process in
            running.finish(process.terminationStatus)
        }
        try process.run()
        return running
    }

    /// A child process started with `start`.
    final class Running: @unchecked Sendable {
        // @unchecked: mutable state is behind `lock`.
        let process: Process
        fileprivate let collected = OutputCollector()
        private let lock = NSLock()
        private var status: Int32?
        private var waiters: [CheckedContinuation<Outcome, Never>] = []

        fileprivate init(process: Process) {
            self.process = process
        }

        var pid: Int32 { process.processIdentifier }

        /// Standard output so far (the process may still be running).
        var outputSoFar: String { collected.text.0 }

        /// Standard error so far.
        var collectedErrors: String { collected.text.1 }

        /// Sends `signal` (e.g. SIGKILL, SIGTERM).
        func kill(_ signal: Int32) {
            Foundation.kill(process.processIdentifier, signal)
        }

        private var openPipes = 2

        /// One pipe reached end of file.
        fileprivate func finishReading() {
            lock.lock()
            openPipes -= 1
            lock.unlock()
            deliverIfDone()
        }

        /// The process exited.
        fileprivate func finish(_ status: Int32) {
            lock.lock()
            self.status = status
            lock.unlock()
            deliverIfDone()
        }

        /// Answers the waiters once the process exited and both pipes are read to the end.
        private func deliverIfDone() {
            lock.lock()
            guard let status, openPipes == 0 else {
                lock.unlock()
                return
            }
            let waiters = self.waiters
            self.waiters = []
            lock.unlock()
            let outcome = self.outcome(status)
            for waiter in waiters { waiter.resume(returning: outcome) }
        }

        private func outcome(_ status: Int32) -> Outcome {
            let (output, errors) = collected.text
            return Outcome(status: status, output: output, errors: errors)
        }

        /// Waits for the process to end, at most `limit`: past it the process is killed (SIGKILL) and
        /// the test records an issue with the tail of its standard error, so a wedged child fails the
        /// test instead of hanging the run.
        func wait(limit: Duration = .seconds(300)) async -> Outcome {
            let first = await withTaskGroup(of: Outcome?.self) { group in
                group.addTask { await self.exited() }
                group.addTask {
                    try? await Task.sleep(for: limit)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if let first { return first }
            kill(SIGKILL)
            var outcome = await exited()
            outcome.timedOut = true
            Issue.record(
                "a child process ran longer than \(limit) and was killed; its standard error ended with: \(outcome.errors.suffix(2000))"
            )
            return outcome
        }

        /// Waits for the process to end, however long it takes.
        private func exited() async -> Outcome {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let status, openPipes == 0 {
                    lock.unlock()
                    continuation.resume(returning: outcome(status))
                } else {
                    waiters.append(continuation)
                    lock.unlock()
                }
            }
        }
    }
}

/// Bytes read from a child's pipes, from several threads.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var output = Data()
    private var errors = Data()

    func append(_ data: Data, error: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if error { errors.append(data) } else { output.append(data) }
    }

    var text: (String, String) {
        lock.lock()
        defer { lock.unlock() }
        return (String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}
