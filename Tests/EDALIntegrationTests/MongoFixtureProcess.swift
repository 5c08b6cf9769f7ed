import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A MongoDB test fixture of the test's own, so that a test can stop it and start it again.
final class MongoFixtureProcess: @unchecked Sendable {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    let port: Int
    private let process: Process

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the fixture on `port` (a free one when `nil`) and waits until it listens; with
    /// `dataFile`, it keeps its data there across restarts, as a real server does.
    static func start(port: Int? = nil, dataFile: String? = nil) async throws -> MongoFixtureProcess {
        let env = ProcessInfo.processInfo.environment
        guard let python = env["EDAL_TEST_PYTHON"], let script = env["EDAL_TEST_MONGO_FIXTURE_SCRIPT"] else {
            throw Unavailable(
                description: "EDAL_TEST_PYTHON / EDAL_TEST_MONGO_FIXTURE_SCRIPT are not set: run `make test`")
        }
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edal-mongo-\(UUID().uuidString).port"
        ).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments =
            [script, "--host", "127.0.0.1", "--port", String(port ?? 0), "--port-file", portFile]
            + (dataFile.map { ["--data-file", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let deadline = Date().addingTimeInterval(90)  // generous: started under the whole suite's load
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
                let listening = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return MongoFixtureProcess(process: process, port: listening)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw Unavailable(description: "the MongoDB fixture did not start on port \(port ?? 0)")
    }

    /// Kills the fixture at once (SIGKILL), as a crashed or unplugged server.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` (SIGSTOP: a server that holds its connections open and answers nothing;
    /// SIGCONT: answering again).
    func signal(_ signal: Int32) {
        Glibc.kill(process.processIdentifier, signal)
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGCONT) }
        if process.isRunning { kill() }
    }
}
