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
        extraTimeout: Duration = .zero, retryPolicy: RetryPolicy? = nil, region: String? = nil
    ) async throws -> Output {
        let body = try await send(
            operation, input, client: client, extraTimeout: extraTimeout, retryPolicy: retryPolicy, region: region)
        let data = body.isEmpty ? Data("{}".utf8) : Data(body)
        do {
            return try Self.makeDecoder().decode(Output.self, from: data)
        } catch {
            throw AWSResponseDecodingError(service: service, operation: operation, reason: "\(error)")
        }
    }

    /// `call` for an output read from the answer's `JSONValue` by `read` (PascalCase member names
    /// as sent): the hot path's way, without `JSONDecoder`. A `read` that throws makes the answer
    /// an `AWSResponseDecodingError`.
    func call<Input: Encodable & Sendable, Output>(
        _ operation: String, _ input: Input, client: AWSClient, extraTimeout: Duration = .zero,
        retryPolicy: RetryPolicy? = nil, region: String? = nil,
        reading read: (JSONValue) throws -> Output
    ) async throws -> Output {
        let body = try await send(
            operation, input, client: client, extraTimeout: extraTimeout, retryPolicy: retryPolicy, region: region)
        return try answer(body, of: operation, reading: read)
    }

    /// `call` for an input written as a `JSONValue` (PascalCase member names, as sent) and an output
    /// read by `read`: the hot path's way, neither `JSONEncoder` nor `JSONDecoder`.
    func call<Output>(
        _ operation: String, body input: JSONValue, client: AWSClient, extraTimeout: Duration = .zero,
        retryPolicy: RetryPolicy? = nil, region: String? = nil,
        reading read: (JSONValue) throws -> Output
    ) async throws -> Output {
        let body = try await send(
            operation, body: JSONWriter.write(input), client: client, extraTimeout: extraTimeout,
            retryPolicy: retryPolicy, region: region)
        return try answer(body, of: operation, reading: read)
    }

    /// The answer's body read as a `JSONValue` (an empty body as `{}`) and then by `read`; either
    /// failing makes an `AWSResponseDecodingError`.
    private func answer<Output>(_ body: [UInt8], of operation: String, reading read: (JSONValue) throws -> Output)
        throws -> Output
    {
        do {
            return try read(body.isEmpty ? .object([]) : try JSONReader.read(body))
        } catch {
            throw AWSResponseDecodingError(service: service, operation: operation, reason: "\(error)")
        }
    }

    /// Encodes the input, sends the operation and answers the response body.
    private func send<Input: Encodable & Sendable>(
        _ operation: String, _ input: Input, client: AWSClient, extraTimeout: Duration, retryPolicy: RetryPolicy?,
        region: String?
    ) async throws -> [UInt8] {
        let body: [UInt8]
        do {
            body = Array(try Self.makeEncoder().encode(input))
        } catch {
            throw AWSResponseDecodingError(
                service: service, operation: operation, reason: "cannot encode the input: \(error)")
        }
        return try await send(
            operation, body: body, client: client, extraTimeout: extraTimeout, retryPolicy: retryPolicy, region: region)
    }

    /// Sends the operation with its body and answers the response body; `region`, where given, is
    /// the resource's own (a queue in another region), else the configured one.
    private func send(
        _ operation: String, body: [UInt8], client: AWSClient, extraTimeout: Duration, retryPolicy: RetryPolicy?,
        region: String?
    ) async throws -> [UInt8] {
        let request = AWSHTTPRequest(
            method: .POST,
            endpoint: region.map { client.endpoint(for: service, region: $0) }
                ?? client.configuration.endpoint(for: service),
            path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-\(version)"),
                ("X-Amz-Target", "\(targetPrefix).\(operation)"),
            ],
            body: body
        )
        let response = try await client.send(
            request, service: service, operation: operation,
            signer: region.map { client.signer(for: service, region: $0) } ?? client.signer(for: service),
            extraTimeout: .nanoseconds(extraTimeout.components.seconds * 1_000_000_000), retryPolicy: retryPolicy
        )
        return response.body
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
