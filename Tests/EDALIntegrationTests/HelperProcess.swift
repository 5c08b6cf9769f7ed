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

    /// Runs `executable` to completion off the cooperative pool; returns its standard output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let environment { process.environment = environment }
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            // Read both pipes on their own threads so a chatty child never blocks on a full pipe.
            let collected = OutputCollector()
            output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData, error: false) }
            errors.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData, error: true) }
            process.terminationHandler = { process in
                output.fileHandleForReading.readabilityHandler = nil
                errors.fileHandleForReading.readabilityHandler = nil
                collected.append(output.fileHandleForReading.readDataToEndOfFile(), error: false)
                collected.append(errors.fileHandleForReading.readDataToEndOfFile(), error: true)
                let (stdout, stderr) = collected.text
                if process.terminationStatus == 0 {
                    continuation.resume(returning: stdout)
                } else {
                    continuation.resume(throwing: Failed(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)"))
                }
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
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
