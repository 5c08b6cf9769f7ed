import Testing

@testable import EDALAWS

@Suite("regions of buckets and queues")
struct RegionTests {
    @Test("a region name is lower-case words and a number; anything else (a host, a path) is refused")
    func regionNames() {
        for name in ["us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4", "il-central-1"] {
            #expect(AWSRegionName.isValid(name), "\(name)")
        }
        for name in [
            "", "us", "US-EAST-1", "us-east-", "evil.com/x-1", "us_east_1", "us-east-1.", "-1", "a-b-c-d-e-f-g-1",
        ] {
            #expect(!AWSRegionName.isValid(name), "\(name)")
        }
    }

    @Test("a queue URL's region: AWS, the legacy form, LocalStack's host and path forms; none from an IP")
    func queueRegions() {
        #expect(SQSQueueURL("https://sqs.eu-west-1.amazonaws.com/123456789012/q")?.region == "eu-west-1")
        #expect(SQSQueueURL("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q")?.region == "cn-north-1")
        #expect(SQSQueueURL("https://ap-south-1.queue.amazonaws.com/123456789012/q")?.region == "ap-south-1")
        #expect(
            SQSQueueURL("http://sqs.us-west-2.localhost.localstack.cloud:4566/000000000000/q")?.region == "us-west-2")
        #expect(SQSQueueURL("http://127.0.0.1:4566/queue/eu-central-1/000000000000/q")?.region == "eu-central-1")
        #expect(SQSQueueURL("http://127.0.0.1:4566/000000000000/q")?.region == nil)
        #expect(SQSQueueURL("edal-notifications") == nil)
    }

    @Test(
        "S3's region corrections: a redirect or a malformed-authorization answer naming another region; not a refusal")
    func regionCorrections() {
        func error(_ status: Int, _ code: String, _ region: String?) -> AWSServiceError {
            AWSServiceError(
                service: .s3, operation: "HeadObject", code: code, message: "", statusCode: status,
                bucketRegion: region)
        }
        #expect(
            S3Client.regionCorrection(error(301, "PermanentRedirect", "eu-west-1"), signedFor: "us-east-1")
                == "eu-west-1")
        #expect(
            S3Client.regionCorrection(error(400, "AuthorizationHeaderMalformed", "eu-west-1"), signedFor: "us-east-1")
                == "eu-west-1")
        #expect(S3Client.regionCorrection(error(400, "BadRequest", "eu-west-1"), signedFor: "eu-west-1") == nil)
        #expect(S3Client.regionCorrection(error(403, "AccessDenied", "eu-west-1"), signedFor: "us-east-1") == nil)
        #expect(
            S3Client.regionCorrection(error(301, "PermanentRedirect", "evil.example/x"), signedFor: "us-east-1") == nil)
        #expect(S3Client.regionCorrection(error(301, "PermanentRedirect", nil), signedFor: "us-east-1") == nil)
    }

    @Test("a bucket's region is kept only as S3 showed it, and the map is bounded")
    func bucketRegions() {
        let regions = S3BucketRegions(capacity: 2)
        regions.learn("a", region: "eu-west-1")
        regions.learn("b", region: "not a region")
        #expect(regions.region(of: "a") == "eu-west-1")
        #expect(regions.region(of: "b") == nil)
        regions.learn("b", region: "us-west-2")
        regions.learn("c", region: "us-east-2")
        #expect(regions.known.count <= 2)
        #expect(regions.region(of: "c") == "us-east-2")
    }
}
