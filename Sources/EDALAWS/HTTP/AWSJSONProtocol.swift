import Foundation

/// The AWS JSON protocols (1.0 for SQS, 1.1 for Kinesis): a `POST /` whose `X-Amz-Target` names the
/// operation and whose body is the input as JSON with PascalCase member names.
struct AWSJSONProtocol: Sendable {
    let service: AWSService
    /// `AmazonSQS`, `Kinesis_20131202`.
    let targetPrefix: String
    /// `1.0` or `1.1`.
    let version: String

    /// Encodes Swift's lowerCamelCase property names as PascalCase members.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom { path in
            PascalCaseKey(path.last?.stringValue.capitalizingFirst ?? "")
        }
        return encoder
    }

    /// Decodes PascalCase members into lowerCamelCase properties.
    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            PascalCaseKey(path.last?.stringValue.lowercasingFirst ?? "")
        }
        return decoder
    }

    func call<Input: Encodable & Sendable, Output: Decodable>(
        _ operation: String, _ input: Input, output: Output.Type, client: AWSClient,
        extraTimeout: Duration = .zero, retryPolicy: RetryPolicy? = nil
    ) async throws -> Output {
        let body: [UInt8]
        do {
            body = Array(try Self.makeEncoder().encode(input))
        } catch {
            throw AWSResponseDecodingError(service: service, operation: operation, reason: "cannot encode the input: \(error)")
        }
        let request = AWSHTTPRequest(
            method: .POST,
            endpoint: client.configuration.endpoint(for: service),
            path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-\(version)"),
                ("X-Amz-Target", "\(targetPrefix).\(operation)"),
            ],
            body: body
        )
        let response = try await client.send(
            request, service: service, operation: operation, signer: client.signer(for: service),
            extraTimeout: .nanoseconds(extraTimeout.components.seconds * 1_000_000_000), retryPolicy: retryPolicy
        )
        let data = response.body.isEmpty ? Data("{}".utf8) : Data(response.body)
        do {
            return try Self.makeDecoder().decode(Output.self, from: data)
        } catch {
            throw AWSResponseDecodingError(service: service, operation: operation, reason: "\(error)")
        }
    }
}

/// An output with nothing in it.
struct EmptyJSONOutput: Decodable, Sendable {}

private struct PascalCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension String {
    var capitalizingFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }

    var lowercasingFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
