import Foundation

@testable import EDALAWS

extension SQSClient {
    /// Receives from `queueUrl` until a message body satisfies `found`, at most `limit`; answers
    /// every body received (nothing is deleted: the messages come back after their visibility timeout).
    ///
    /// For a notification S3 sends: LocalStack sends every bucket's notifications from one pool of
    /// three threads, so under `make test` one can arrive minutes after its upload.
    func receiveBodies(
        _ queueUrl: String, until found: (String) -> Bool, within limit: Duration = .seconds(180)
    ) async throws -> [String] {
        let deadline = ContinuousClock.now + limit
        var bodies: [String] = []
        while ContinuousClock.now < deadline, !bodies.contains(where: found) {
            bodies += try await receiveMessage(queueUrl, maximumMessages: 10, waitTimeSeconds: 2).map(\.body)
        }
        return bodies
    }
}
