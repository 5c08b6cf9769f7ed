import Foundation

/// A profile's `credential_process`: a command that prints credentials as JSON
/// (`{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": …}`),
/// as the AWS SDKs run it (through `/bin/sh -c`, its standard error passed through to ours).
/// Credentials with an `Expiration` are fetched again before it; without one they are kept.
enum CredentialProcess {
    /// How long the command may take before it is stopped.
    static let timeout: Duration = .seconds(60)

    static func credentials(command: String, source: String) async throws -> AWSCredentials {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(
                    throwing: CredentialProviderError(source: source, reason: "cannot start `\(command)`: \(error)"))
                return
            }
            // Stopped if it hangs; the handler above still answers.
            let pid = process.processIdentifier
            Task {
                try? await Task.sleep(for: timeout)
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        guard status == 0 else {
            throw CredentialProviderError(source: source, reason: "`\(command)` exited with status \(status)")
        }
        return try parse(data, source: source)
    }

    /// Reads the command's output, or says what is wrong with it.
    static func parse(_ data: Data, source: String) throws -> AWSCredentials {
        let document: CredentialEndpoints.CredentialDocument
        do {
            document = try JSONDecoder().decode(CredentialEndpoints.CredentialDocument.self, from: data)
        } catch {
            throw CredentialProviderError(
                source: source, reason: "the command did not print credentials as JSON: \(error)")
        }
        guard document.version == 1 else {
            throw CredentialProviderError(
                source: source,
                reason: "the command's output has Version \(document.version.map(String.init) ?? "none"), not 1")
        }
        // An unreadable expiry would keep the credentials forever: refused, unlike an endpoint's.
        if let text = document.expiration, HTTPDate.parseISO8601(text) == nil {
            throw CredentialProviderError(source: source, reason: "the command's Expiration \(text) is not ISO 8601")
        }
        return try document.credentials(source: source)
    }
}
