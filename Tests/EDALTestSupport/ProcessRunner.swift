import Foundation

/// Runs a short program to completion (a reference implementation, a script) and answers its
/// standard output. Long-running children the integration tests start and stop are
/// `HelperProcess`'s.
public enum ProcessRunner {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments`; throws `Failed`, with its standard error, on a non-zero exit.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Standard error read on its own thread: a child that fills it while we block on its
        // standard output would wait forever.
        let errorData = ErrorCollector(errors.fileHandleForReading)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errorData.wait(), as: UTF8.self))"
            )
        }
        return data
    }

    private final class ErrorCollector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        init(_ handle: FileHandle) {
            Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }.start()
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
