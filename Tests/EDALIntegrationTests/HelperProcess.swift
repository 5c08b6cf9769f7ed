import Foundation

/// Runs the programs the package builds (`edal`, `edal-test-helper`) as separate OS processes.
enum HelperProcess {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// The built executable called `name`, next to the test bundle in the build directory.
    static func executable(_ name: String = "edal-test-helper") throws -> String {
        // The test binary runs from `.build/<triple>/<configuration>/`; the package's executables sit beside it.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
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
    }

    /// Runs `executable` to completion off the cooperative pool; returns its standard output.
    /// - Throws: `Failed` (with its standard error) when it exits non-zero.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        let outcome = try await execute(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw Failed(description: "\(executable) \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.errors)")
        }
        return outcome.output
    }

    /// Runs `executable` to completion; answers its exit status and output whatever the status.
    static func execute(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Outcome {
        let process = try start(executable, arguments, environment: environment)
        return await process.wait()
    }

    /// Starts `executable` and returns at once; `wait()` for it, or `kill(_:)` it.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // Read both pipes on their own threads so a chatty child never blocks on a full pipe.
        let running = Running(process: process)
        output.fileHandleForReading.readabilityHandler = { handle in running.collected.append(handle.availableData, error: false) }
        errors.fileHandleForReading.readabilityHandler = { handle in running.collected.append(handle.availableData, error: true) }
        process.terminationHandler = { process in
            output.fileHandleForReading.readabilityHandler = nil
            errors.fileHandleForReading.readabilityHandler = nil
            running.collected.append(output.fileHandleForReading.readDataToEndOfFile(), error: false)
            running.collected.append(errors.fileHandleForReading.readDataToEndOfFile(), error: true)
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

        fileprivate func finish(_ status: Int32) {
            lock.lock()
            self.status = status
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

        /// Waits for the process to end.
        func wait() async -> Outcome {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let status {
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
