import Foundation

/// Reads an error answer of any of the three wire protocols into an `AWSServiceError`.
enum AWSErrorDecoder {
    static func decode(_ response: AWSHTTPResponse, service: AWSService, operation: String) -> AWSServiceError {
        let status = Int(response.status.code)
        let requestId =
            response.headers.first(name: "x-amz-request-id")
            ?? response.headers.first(name: "x-amzn-RequestId")
            ?? response.headers.first(name: "x-amzn-requestid")
        var code: String?
        var message: String?
        var region = response.headers.first(name: "x-amz-bucket-region")

        if !response.body.isEmpty {
            if response.body.first == UInt8(ascii: "{") {
                if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                    code = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
                    message = (object["message"] as? String) ?? (object["Message"] as? String)
                }
            } else if let root = try? XMLDocumentParser.parse(response.body) {
                let error = root.name == "Error" ? root : (root.child("Error") ?? root.child("Errors")?.child("Error"))
                code = error?.child("Code")?.text
                message = error?.child("Message")?.text
                region = region ?? error?.text(of: "Region")
            }
        }
        // SQS also names the legacy code in a header, e.g. `AWS.SimpleQueueService.NonExistentQueue;Sender`.
        if code == nil, let queryError = response.headers.first(name: "x-amzn-query-error") {
            code = queryError.split(separator: ";").first.map(String.init)
        }
        if code == nil, let header = response.headers.first(name: "x-amzn-ErrorType") {
            code = header
        }
        return AWSServiceError(
            service: service,
            operation: operation,
            code: normalize(code) ?? fallbackCode(status: status),
            message: message
                ?? (response.body.isEmpty
                    ? "HTTP \(status) with no body" : String(decoding: response.body.prefix(512), as: UTF8.self)),
            statusCode: status,
            requestId: requestId,
            bucketRegion: region.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    /// `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`; `Code:extra` → `Code`; `nil` when
    /// nothing is left (`:`, `x#`), so the status names the code instead.
    static func normalize(_ code: String?) -> String? {
        guard var code, !code.isEmpty else { return nil }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        return code.isEmpty ? nil : code
    }

    /// The code for an answer without a body (HEAD requests).
    static func fallbackCode(status: Int) -> String {
        switch status {
        case 301: return "PermanentRedirect"
        case 304: return "NotModified"
        case 400: return "BadRequest"
        case 403: return "AccessDenied"
        case 404: return "NotFound"
        case 412: return "PreconditionFailed"
        case 429: return "TooManyRequestsException"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        default: return "HTTP\(status)"
        }
    }
}
