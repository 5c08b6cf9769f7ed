import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import EDALAWS

/// A host whose clock is an hour behind: the service refuses its signatures as AWS does, saying
/// its own time in `Date`, and the client signs again on the service's clock.
@Suite("Clock skew", .timeLimit(.minutes(1)))
struct ClockSkewTests {
    /// An SQS stand-in whose clock runs `skew` seconds ahead of this host's: it answers
    /// `GetQueueUrl` when the request's `X-Amz-Date` is within 5 minutes of its time, and
    /// `InvalidSignatureException: Signature expired` (HTTP 400) otherwise, as AWS's JSON services do.
    final class SkewedService: Sendable {
        let channel: any Channel
        let skew: TimeInterval
        private let answers = NIOLockedValueBox((refused: 0, answered: 0))
        var refused: Int { answers.withLockedValue { $0.refused } }
        var answered: Int { answers.withLockedValue { $0.answered } }
        var port: Int { channel.localAddress?.port ?? 0 }

        init(skew: TimeInterval, refusesAll: Bool = false) async throws {
            self.skew = skew
            let answers = self.answers
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(
                            Responder(skew: skew, refusesAll: refusesAll, answers: answers))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }

        func stop() async { try? await channel.close() }
    }

    final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let skew: TimeInterval
        /// Refuses every signature (a wrong secret), whatever its time.
        let refusesAll: Bool
        let answers: NIOLockedValueBox<(refused: Int, answered: Int)>
        private var request: HTTPRequestHead?

        init(skew: TimeInterval, refusesAll: Bool, answers: NIOLockedValueBox<(refused: Int, answered: Int)>) {
            self.skew = skew
            self.refusesAll = refusesAll
            self.answers = answers
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): request = head
            case .body: break
            case .end:
                guard let request else { return }
                let now = Date().addingTimeInterval(skew)
                let signed = request.headers.first(name: "X-Amz-Date").flatMap(Self.amzDate)
                let inTime = !refusesAll && (signed.map { abs($0.timeIntervalSince(now)) < 300 } ?? false)
                answers.withLockedValue { if inTime { $0.answered += 1 } else { $0.refused += 1 } }
                let body =
                    inTime
                    ? #"{"QueueUrl":"http://127.0.0.1/000000000000/q"}"#
                    : #"{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired"}"#
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/x-amz-json-1.0")
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                headers.add(name: "Date", value: Self.rfc1123(now))
                let head = HTTPResponseHead(version: .http1_1, status: inTime ? .ok : .badRequest, headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        static func amzDate(_ text: String) -> Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            return formatter.date(from: text)
        }

        static func rfc1123(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter.string(from: date)
        }
    }

    static func client(port: Int) -> AWSClient {
        let configuration = AWSConfiguration(
            region: "us-east-1",
            credentialProvider: StaticCredentialProvider(
                AWSCredentials(accessKeyId: "a", secretAccessKey: "b"), source: "test"),
            endpointOverrides: [.sqs: AWSEndpoint(scheme: "http", host: "127.0.0.1", port: port)])
        return AWSClient(configuration: configuration)
    }

    @Test(
        "a service an hour ahead refuses the first signature; the request is signed again on its clock and answered, and later requests are signed right"
    )
    func signsOnTheServicesClock() async throws {
        let service = try await SkewedService(skew: 3_600)
        let client = Self.client(port: service.port)
        let sqs = SQSClient(client: client)
        #expect(try await sqs.getQueueUrl("q").hasSuffix("/q"))
        #expect(service.refused == 1 && service.answered == 1)
        #expect(abs(client.clockCorrection - 3_600) < 5, "correction \(client.clockCorrection)")
        #expect(client.retryCounts[AWSRetry(operation: "sqs.GetQueueUrl", reason: .clockSkew)] == 1)
        _ = try await sqs.getQueueUrl("q")
        #expect(service.refused == 1 && service.answered == 2, "the correction is kept")
        try await client.shutdown()
        await service.stop()
    }

    @Test(
        "a refused signature from a service whose clock agrees with ours is the error it is: not retried, no correction"
    )
    func agreeingClockIsNotCorrected() async throws {
        let service = try await SkewedService(skew: 30, refusesAll: true)
        let client = Self.client(port: service.port)
        let error = await #expect(throws: AWSServiceError.self) {
            _ = try await SQSClient(client: client).getQueueUrl("q")
        }
        #expect(error?.code == "InvalidSignatureException")
        #expect(service.refused == 1, "sent once")
        #expect(client.clockCorrection == 0)
        try await client.shutdown()
        await service.stop()
    }
}
