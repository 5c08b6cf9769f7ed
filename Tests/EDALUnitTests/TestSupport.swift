import Foundation
import Testing

/// Finds the test services' tools and runs helper programs for the unit tests.
enum TestSupport {
    struct MissingTool: Error, CustomStringConvertible {
        var description: String
    }

    /// The repository root, found from this file's location.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `true` when the test services are meant to be there (`make test` sets `EDAL_TEST_SERVICES`):
    /// then a missing tool fails the test instead of skipping it.
    static var servicesRequired: Bool {
        ProcessInfo.processInfo.environment["EDAL_TEST_SERVICES"] == "1"
            || ProcessInfo.processInfo.environment["EDAL_REQUIRE_TEST_SERVICES"] == "1"
    }

    /// The Python with botocore and friends, or `nil` (test skipped) outside `make test`.
    static func python() throws -> String? {
        if let python = ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"], FileManager.default.isExecutableFile(atPath: python) {
            return python
        }
        let venv = repositoryRoot + "/.venvs/tools/bin/python"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        if servicesRequired { throw MissingTool(description: "EDAL_TEST_PYTHON is not set: run the tests with `make test`") }
        return nil
    }

    /// Runs `executable` with `arguments` and returns its standard output; throws on a non-zero exit.
    static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MissingTool(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errorData, as: UTF8.self))")
        }
        return data
    }
}
