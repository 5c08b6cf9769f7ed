import NIOCore
import NIOHTTP1

@testable import EDALAWS

/// Error answers of the three wire protocols. The first byte picks the status and which error
/// headers come with the body (the rest); whatever arrives, the decoder names a code.
enum AWSErrorFuzzing {
    static let statuses: [HTTPResponseStatus] = [
        .badRequest, .forbidden, .notFound, .internalServerError, .serviceUnavailable, .conflict,
    ]

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        var headers = HTTPHeaders()
        let text = String(decoding: body.prefix(64), as: UTF8.self)
        if selector & 0x10 != 0 { headers.add(name: "x-amzn-query-error", value: text) }
        if selector & 0x20 != 0 { headers.add(name: "x-amzn-ErrorType", value: text) }
        if selector & 0x40 != 0 { headers.add(name: "x-amz-request-id", value: text) }
        let response = AWSHTTPResponse(
            status: statuses[Int(selector & 0x0F) % statuses.count], headers: headers, body: body)
        let service = AWSService.allCases[Int(selector >> 6) % AWSService.allCases.count]
        let error = AWSErrorDecoder.decode(response, service: service, operation: "Fuzz")
        require(!error.code.isEmpty, "an error with no code")
    }
}
