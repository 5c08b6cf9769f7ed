import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// S3, SQS and Kinesis answered from memory, at a cost far below EDAL's own, so that a drain against
/// it measures the worker alone (`edal-bench ceiling`). One HTTP/1.1 server on 127.0.0.1 serves all
/// three (set every `AWS_ENDPOINT_URL_*` to it):
///
/// - S3 `HEAD /bucket/key` answers the headers S3 gives a CloudTrail object (`BenchmarkObjects`);
/// - SQS (JSON protocol) holds one notification per object: `ReceiveMessage` hands out up to ten
///   not yet handed out, `DeleteMessageBatch` removes them, a visibility of 0 puts them back, and
///   `GetQueueAttributes` counts what is left;
/// - Kinesis `PutRecords` accepts every record.
///
/// Signatures are not checked. A request it does not know is answered 400 and counted, so a
/// benchmark that makes one says so.
final class BenchmarkBackend: Sendable {
    let objects: BenchmarkObjects
    let queueName = "edal-bench-q"
    let streamName = "edal-bench-signals"
    private let state = NIOLockedValueBox(QueueState())
    private let group: MultiThreadedEventLoopGroup
    private let channel: NIOLockedValueBox<Channel?> = .init(nil)
    private let endpoint = NIOLockedValueBox("")

    struct QueueState: Sendable {
        var nextUnsent = 0
        var returned: [Int] = []
        var inFlight: Set<Int> = []
        var deleted = 0
        var receiveCount: [Int: Int] = [:]
        var records = 0
        var recordBytes = 0
        var requests: [String: Int] = [:]
        var unexpected: [String: Int] = [:]
    }

    /// What the backend saw, read after a run.
    struct Totals: Sendable {
        var deleted: Int
        var left: Int
        var records: Int
        var recordBytes: Int
        var requests: [String: Int]
        var unexpected: [String: Int]
    }

    init(objects: BenchmarkObjects) {
        self.objects = objects
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Starts listening on 127.0.0.1 and returns the endpoint URL.
    func start() async throws -> String {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(RequestHandler(backend: self))
                }
            }
        let bound = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        channel.withLockedValue { $0 = bound }
        let url = "http://127.0.0.1:\(bound.localAddress?.port ?? 0)"
        endpoint.withLockedValue { $0 = url }
        return url
    }

    func stop() async throws {
        let bound = channel.withLockedValue { $0 }
        try await bound?.close()
        try await group.shutdownGracefully()
    }

    func queueURL(endpoint: String) -> String { "\(endpoint)/000000000000/\(queueName)" }

    var totals: Totals {
        state.withLockedValue { state in
            Totals(
                deleted: state.deleted, left: objects.count - state.deleted, records: state.records,
                recordBytes: state.recordBytes, requests: state.requests, unexpected: state.unexpected)
        }
    }

    // MARK: Answers

    struct Answer {
        var status: HTTPResponseStatus = .ok
        var headers: [(String, String)] = []
        var body: String = ""
        /// Held this long before it is sent (an empty receive stands for a long poll that found nothing).
        var delay: TimeAmount?
    }

    func answer(method: HTTPMethod, uri: String, target: String?, body: ByteBuffer) -> Answer {
        if let target {
            let operation = target.split(separator: ".").last.map(String.init) ?? target
            let input = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            count(operation)
            switch operation {
            case "ReceiveMessage": return receive(maximum: input["MaxNumberOfMessages"] as? Int ?? 1)
            case "DeleteMessageBatch": return deleteBatch(input["Entries"] as? [[String: Any]] ?? [])
            case "ChangeMessageVisibilityBatch": return visibilityBatch(input["Entries"] as? [[String: Any]] ?? [])
            case "GetQueueAttributes": return queueAttributes(names: input["AttributeNames"] as? [String] ?? ["All"])
            case "GetQueueUrl":
                return json([
                    "QueueUrl": queueURL(endpoint: endpoint.withLockedValue { $0 }) + "-"
                        + (input["QueueName"] as? String ?? "")
                ])
            case "PutRecords": return putRecords(input["Records"] as? [[String: Any]] ?? [])
            case "DescribeStreamSummary":
                return json([
                    "StreamDescriptionSummary": [
                        "StreamName": streamName,
                        "StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/\(streamName)",
                        "StreamStatus": "ACTIVE", "OpenShardCount": 1, "RetentionPeriodHours": 24,
                    ]
                ])
            default: return unexpected(operation)
            }
        }
        if method == .HEAD {
            count("HeadObject")
            return head(uri)
        }
        return unexpected("\(method) \(uri.prefix(60))")
    }

    private func head(_ uri: String) -> Answer {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let prefix = "/\(objects.bucket)/"
        guard path.hasPrefix(prefix), let key = String(path.dropFirst(prefix.count)).removingPercentEncoding,
            let index = objects.indexByKey[key]
        else {
            return Answer(status: .notFound)
        }
        return Answer(headers: [
            ("x-amz-id-2", "BENCH"), ("x-amz-request-id", "BENCH"),
            ("Last-Modified", objects.httpDate(objects.lastModified(index))),
            ("ETag", "\"\(objects.eTag(index))\""),
            ("x-amz-server-side-encryption", "AES256"),
            ("Accept-Ranges", "bytes"), ("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
            ("Server", "AmazonS3"), ("Content-Length", String(objects.size(index))),
        ])
    }

    private func receive(maximum: Int) -> Answer {
        let handed: [(index: Int, receives: Int)] = state.withLockedValue { state in
            var handed: [(Int, Int)] = []
            while handed.count < min(max(maximum, 1), 10) {
                let index: Int
                if let again = state.returned.popLast() {
                    index = again
                } else if state.nextUnsent < objects.count {
                    index = state.nextUnsent
                    state.nextUnsent += 1
                } else {
                    break
                }
                state.inFlight.insert(index)
                state.receiveCount[index, default: 0] += 1
                handed.append((index, state.receiveCount[index] ?? 1))
            }
            return handed
        }
        let sent = String(Int(Date().timeIntervalSince1970 * 1_000))
        let messages: [[String: Any]] = handed.map { message in
            [
                "MessageId": "bench-\(message.index)", "ReceiptHandle": "rh-\(message.index)-\(message.receives)",
                "MD5OfBody": "00000000000000000000000000000000", "Body": objects.notification(message.index),
                "Attributes": ["ApproximateReceiveCount": String(message.receives), "SentTimestamp": sent],
            ]
        }
        guard !messages.isEmpty else {
            var empty = json([:])
            empty.delay = .milliseconds(200)
            return empty
        }
        return json(["Messages": messages])
    }

    private func deleteBatch(_ entries: [[String: Any]]) -> Answer {
        let ids: [String] = state.withLockedValue { state in
            entries.compactMap { entry in
                guard let id = entry["Id"] as? String, let index = Self.messageIndex(entry["ReceiptHandle"]) else {
                    return nil
                }
                if state.inFlight.remove(index) != nil { state.deleted += 1 }
                return id
            }
        }
        return json(["Successful": ids.map { ["Id": $0] }, "Failed": [] as [Any]])
    }

    private func visibilityBatch(_ entries: [[String: Any]]) -> Answer {
        let ids: [String] = state.withLockedValue { state in
            entries.compactMap { entry in
                guard let id = entry["Id"] as? String, let index = Self.messageIndex(entry["ReceiptHandle"]) else {
                    return nil
                }
                if entry["VisibilityTimeout"] as? Int == 0, state.inFlight.remove(index) != nil {
                    state.returned.append(index)
                }
                return id
            }
        }
        return json(["Successful": ids.map { ["Id": $0] }, "Failed": [] as [Any]])
    }

    private func queueAttributes(names: [String]) -> Answer {
        let (waiting, inFlight) = state.withLockedValue { state in
            (objects.count - state.nextUnsent + state.returned.count, state.inFlight.count)
        }
        let all: [String: String] = [
            "ApproximateNumberOfMessages": String(waiting), "ApproximateNumberOfMessagesNotVisible": String(inFlight),
            "ApproximateNumberOfMessagesDelayed": "0", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:\(queueName)",
            "MessageRetentionPeriod": "345600", "VisibilityTimeout": "30",
            "RedrivePolicy":
                #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:edal-bench-dlq","maxReceiveCount":5}"#,
        ]
        return json(["Attributes": names.contains("All") ? all : all.filter { names.contains($0.key) }])
    }

    private func putRecords(_ records: [[String: Any]]) -> Answer {
        let bytes = records.reduce(0) { $0 + (($1["Data"] as? String)?.utf8.count ?? 0) * 3 / 4 }
        let first = state.withLockedValue { state -> Int in
            defer {
                state.records += records.count
                state.recordBytes += bytes
            }
            return state.records
        }
        return json([
            "FailedRecordCount": 0,
            "Records": records.indices.map { offset in
                ["SequenceNumber": String(first + offset), "ShardId": "shardId-000000000000"]
            },
        ])
    }

    private func unexpected(_ what: String) -> Answer {
        state.withLockedValue { $0.unexpected[what, default: 0] += 1 }
        return Answer(
            status: .badRequest, headers: [("Content-Type", "application/x-amz-json-1.0")],
            body:
                #"{"__type":"com.amazonaws#UnknownOperationException","message":"not answered by the benchmark backend"}"#
        )
    }

    private func count(_ operation: String) {
        state.withLockedValue { $0.requests[operation, default: 0] += 1 }
    }

    private func json(_ object: [String: Any]) -> Answer {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return Answer(
            headers: [("Content-Type", "application/x-amz-json-1.0")], body: String(decoding: data, as: UTF8.self))
    }

    /// The object index in a receipt handle `rh-<index>-<receives>`.
    private static func messageIndex(_ handle: Any?) -> Int? {
        guard let handle = handle as? String else { return nil }
        let parts = handle.split(separator: "-")
        return parts.count == 3 ? Int(parts[1]) : nil
    }

    /// Collects one request and writes the backend's answer.
    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used only on its channel's event loop.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let backend: BenchmarkBackend
        private var head: HTTPRequestHead?
        private var body = ByteBuffer()

        init(backend: BenchmarkBackend) {
            self.backend = backend
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                guard let head else { return }
                let answer = backend.answer(
                    method: head.method, uri: head.uri, target: head.headers.first(name: "X-Amz-Target"), body: body)
                self.head = nil
                if let delay = answer.delay {
                    context.eventLoop.scheduleTask(in: delay) { self.write(answer, to: head, context: context) }
                } else {
                    write(answer, to: head, context: context)
                }
            }
        }

        private func write(_ answer: Answer, to head: HTTPRequestHead, context: ChannelHandlerContext) {
            var headers = HTTPHeaders(answer.headers)
            if head.method != .HEAD || answer.status != .ok {
                headers.replaceOrAdd(name: "Content-Length", value: String(answer.body.utf8.count))
            }
            headers.add(name: "Date", value: backend.objects.httpDate(Int(Date().timeIntervalSince1970)))
            context.write(
                wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))),
                promise: nil)
            if head.method != .HEAD, !answer.body.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: answer.body)))), promise: nil)
            }
            let keepAlive = head.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }
}
