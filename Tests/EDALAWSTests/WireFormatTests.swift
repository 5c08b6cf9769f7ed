import Foundation
import NIOHTTP1
import Testing

@testable import EDALAWS

@Suite struct XMLDocumentParserTests {
    @Test func parsesAListing() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>logs/</Prefix>
            <KeyCount>2</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;en</NextContinuationToken>
            <Contents><Key>logs/a b+c&lt;&gt;&amp;&#x263A;&#233;.json</Key><LastModified>2026-11-24T21:05:06.789Z</LastModified>
            <ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>
            <!-- a comment --><Contents><Key><![CDATA[logs/<cdata>]]></Key><LastModified>2026-11-24T21:05:07Z</LastModified>
            <ETag>"abc-2"</ETag><Size>10485760</Size></Contents></ListBucketResult>
            """
        let page = try S3Client.listPage(Array(xml.utf8))
        #expect(page.objects.map(\.key) == ["logs/a b+c<>&☺é.json", "logs/<cdata>"])
        #expect(page.objects.map(\.eTag) == ["0cc175b9c0f1b6a831c399e269772661", "abc-2"])
        #expect(page.objects[1].size == 10_485_760)
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "tok&en")
        #expect(abs(page.objects[0].lastModified.timeIntervalSince1970 - 1_795_554_306.789) < 1e-6)
    }

    @Test func rejectsBrokenDocuments() {
        for broken in ["", "<a>", "<a></b>", "<a>&bogus;</a>", "<a x=1></a>", "<a></a><b/>", "text"] {
            #expect(throws: XMLDocumentParser.ParseError.self, "\(broken)") {
                try XMLDocumentParser.parse(Array(broken.utf8))
            }
        }
    }

    @Test func writerEscapes() {
        var writer = XMLWriter()
        writer.element("Filter") { $0.element("Value", text: "a<b>&\"c\"") }
        #expect(writer.output.hasSuffix("<Filter><Value>a&lt;b&gt;&amp;&quot;c&quot;</Value></Filter>"))
    }
}

@Suite struct AWSErrorDecoderTests {
    func response(_ status: HTTPResponseStatus, _ body: String, headers: [(String, String)] = []) -> AWSHTTPResponse {
        AWSHTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8))
    }

    @Test func jsonErrors() {
        let error = AWSErrorDecoder.decode(
            response(
                .badRequest,
                #"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#,
                headers: [("x-amzn-RequestId", "req-1")]),
            service: .sqs, operation: "GetQueueUrl")
        #expect(error.code == "QueueDoesNotExist")
        #expect(error.message == "The specified queue does not exist.")
        #expect(error.requestId == "req-1")
        #expect(!error.isRetryable)

        let throttled = AWSErrorDecoder.decode(
            response(.badRequest, #"{"__type":"ProvisionedThroughputExceededException","Message":"slow"}"#),
            service: .kinesis, operation: "PutRecords")
        #expect(throttled.isRetryable && throttled.isThrottling)
    }

    @Test func xmlErrorsOfBothShapes() {
        let s3 = AWSErrorDecoder.decode(
            response(.notFound, "<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>"),
            service: .s3, operation: "ListObjectsV2")
        #expect(s3.code == "NoSuchBucket" && s3.message == "gone")
        let query = AWSErrorDecoder.decode(
            response(
                .forbidden,
                "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></Errors></ErrorResponse>"
            ),
            service: .sqs, operation: "CreateQueue")
        #expect(query.code == "SignatureDoesNotMatch")
    }

    @Test func bodilessAnswersAreNamedByStatus() {
        #expect(
            AWSErrorDecoder.decode(response(.notFound, ""), service: .s3, operation: "HeadObject").code == "NotFound")
        let unavailable = AWSErrorDecoder.decode(
            response(.serviceUnavailable, ""), service: .s3, operation: "HeadObject")
        #expect(unavailable.isRetryable)
        let legacy = AWSErrorDecoder.decode(
            response(
                .badRequest, "", headers: [("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender")]),
            service: .sqs, operation: "GetQueueUrl")
        #expect(legacy.code == "AWS.SimpleQueueService.NonExistentQueue")
    }

    @Test(
        "an error header or body whose code normalises to nothing (\":\", \"x#\") is named by the status (found by the aws-error fuzz target)"
    )
    func emptyCodesFallBackToTheStatus() {
        let colon = AWSErrorDecoder.decode(
            response(.badRequest, ":", headers: [("x-amzn-query-error", ":"), ("x-amzn-ErrorType", ":")]),
            service: .sqs, operation: "Fuzz")
        #expect(colon.code == "BadRequest")
        let hash = AWSErrorDecoder.decode(
            response(.serviceUnavailable, #"{"__type":"com.amazonaws#"}"#), service: .kinesis, operation: "Fuzz")
        #expect(hash.code == "ServiceUnavailable")
    }
}

@Suite struct S3HeadParsingTests {
    @Test func everyHeaderIsRead() {
        let headers = HTTPHeaders([
            ("Content-Length", "1048576"), ("ETag", "\"d41d8cd98f00b204e9800998ecf8427e-3\""),
            ("Last-Modified", "Tue, 24 Nov 2026 21:05:06 GMT"), ("Content-Type", "application/x-ndjson"),
            ("Content-Encoding", "gzip"), ("x-amz-version-id", "v1"), ("x-amz-storage-class", "STANDARD_IA"),
            ("x-amz-meta-record-count", "120"), ("X-Amz-Meta-Error-Rate", "0.25"),
        ])
        let head = S3Client.objectHead(bucket: "b", key: "k", headers: headers)
        #expect(head.contentLength == 1_048_576)
        #expect(head.eTag == "d41d8cd98f00b204e9800998ecf8427e-3")
        #expect(head.lastModified == Date(timeIntervalSince1970: 1_795_554_306))
        #expect(head.contentType == "application/x-ndjson" && head.contentEncoding == "gzip")
        #expect(head.versionId == "v1" && head.storageClass == "STANDARD_IA")
        #expect(head.metadata == ["record-count": "120", "error-rate": "0.25"])
    }

    @Test func virtualHostableBuckets() {
        #expect(S3Client.isVirtualHostable("telemetry-2026"))
        #expect(!S3Client.isVirtualHostable("my.bucket"))
        #expect(!S3Client.isVirtualHostable("Upper"))
        #expect(!S3Client.isVirtualHostable("ab"))
    }
}

@Suite struct SigV4EncodingTests {
    @Test func encodesLikeAWS() {
        #expect(SigV4Encoding.encode("a b+c/é~_-.", keepingSlashes: true) == "a%20b%2Bc/%C3%A9~_-.")
        #expect(SigV4Encoding.encode("a/b", keepingSlashes: false) == "a%2Fb")
        #expect(SigV4Encoding.removeDotSegments("/a/./b/../c//d/") == "/a/c/d/")
        #expect(SigV4Encoding.removeDotSegments("/..") == "/")
        #expect(SigV4Encoding.trimAll("  a \t  b  ") == "a b")
        for (value, trimmed) in [
            ("a b", "a b"), ("a  b", "a b"), ("a\tb", "a b"), (" a", "a"), ("a ", "a"), ("", ""), (" ", ""),
            ("ab", "ab"), ("a b c", "a b c"), ("a\nb", "a b"),
        ] {
            #expect(SigV4Encoding.trimAll(value) == trimmed, "\(value.debugDescription)")
        }
    }

    @Test func civilTimeRoundTrips() {
        for seconds: Int64 in [0, 951_782_400, 1_369_353_600, 1_795_640_706, 4_107_542_399, -86_400] {
            let civil = CivilTime(epochSeconds: seconds)
            #expect(civil.epochSeconds == seconds)
        }
        #expect(SigV4Timestamp(Date(timeIntervalSince1970: 951_782_400)).amzDate == "20000229T000000Z")
        #expect(HTTPDate.parseRFC1123("Tue, 29 Feb 2000 00:00:00 GMT") == Date(timeIntervalSince1970: 951_782_400))
        #expect(HTTPDate.parseISO8601("2000-02-29T00:00:00.500Z") == Date(timeIntervalSince1970: 951_782_400.5))
        #expect(HTTPDate.parseISO8601("garbage-but-long-enough") == nil)
    }
}

@Suite struct RetryPolicyTests {
    @Test func fullJitterStaysUnderTheCappedCeiling() {
        let policy = RetryPolicy(maximumAttempts: 10, baseDelay: .milliseconds(50), maximumDelay: .seconds(2))
        #expect(policy.delayCeiling(retry: 1) == .milliseconds(50))
        #expect(policy.delayCeiling(retry: 3) == .milliseconds(200))
        #expect(policy.delayCeiling(retry: 9) == .seconds(2))
        var generator = SystemRandomNumberGenerator()
        for retry in 1...9 {
            for _ in 0..<50 {
                let delay = policy.delay(retry: retry, using: &generator)
                #expect(delay >= .zero && delay <= policy.delayCeiling(retry: retry))
            }
        }
    }
}

@Suite struct SQSBatchAnswerTests {
    @Test(
        "a batch answer that lists an entry neither successful nor failed (an empty or cut body) makes it a failure to retry"
    )
    func batchAnswersListEveryEntry() throws {
        let empty = try SQSBatchResult(answer: JSONReader.read("{}"), sent: ["0", "1"])
        #expect(empty.successfulIds.isEmpty)
        #expect(empty.failed.map(\.id) == ["0", "1"])
        #expect(empty.failed.allSatisfy { $0.code == SQSBatchResult.notInAnswer && !$0.senderFault })
        let partial = try SQSBatchResult(
            answer: JSONReader.read(
                #"{"Successful":[{"Id":"0","MessageId":"m0"}],"Failed":[{"Id":"2","Code":"InternalError","SenderFault":false}]}"#
            ), sent: ["0", "1", "2"])
        #expect(partial.successfulIds == ["0"] && partial.messageIds == ["0": "m0"])
        #expect(partial.failed.map(\.id) == ["2", "1"])
    }
}
