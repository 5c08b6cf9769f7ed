import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Collects one AWS answer for AsyncHTTPClient's `EventLoopFuture` API: the head and the whole body,
/// refusing a body larger than the limit as soon as it is announced or grows past it.
///
/// AsyncHTTPClient calls a delegate's methods one at a time, on the request's event loop, so the
/// mutable state needs no lock (hence `@unchecked Sendable`). With it, a request costs a little
/// less CPU than with the `async` API's streamed body (see docs/performance.md).
final class AWSResponseCollector: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = AWSHTTPResponse

    /// The body outgrew `AWSClient.Options.maximumResponseBytes`.
    struct ResponseTooLarge: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "the answer's body is larger than \(limit) bytes" }
    }

    private let limit: Int
    private let readsBody: Bool
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    init(limit: Int, readsBody: Bool) {
        self.limit = limit
        self.readsBody = readsBody
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        self.head = head
        if readsBody, let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            return task.eventLoop.makeFailedFuture(ResponseTooLarge(limit: limit))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard readsBody else { return task.eventLoop.makeSucceededVoidFuture() }
        if var collected = body {
            guard collected.readableBytes + buffer.readableBytes <= limit else {
                return task.eventLoop.makeFailedFuture(ResponseTooLarge(limit: limit))
            }
            body = nil  // one owner, so the append does not copy the bytes collected so far
            var part = buffer
            collected.writeBuffer(&part)
            body = collected
        } else {
            guard buffer.readableBytes <= limit else {
                return task.eventLoop.makeFailedFuture(ResponseTooLarge(limit: limit))
            }
            body = buffer
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        guard let head else { throw HTTPClientError.remoteConnectionClosed }
        var bytes: [UInt8] = []
        if var body { bytes = body.readBytes(length: body.readableBytes) ?? [] }
        return AWSHTTPResponse(status: head.status, headers: head.headers, body: bytes)
    }
}
