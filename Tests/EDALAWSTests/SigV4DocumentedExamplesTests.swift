import Foundation
import Testing

@testable import EDALAWS

/// The worked examples of AWS's own SigV4 documentation (IAM and S3), signature for signature.
@Suite struct SigV4DocumentedExamplesTests {
    let s3Credentials = AWSCredentials(
        accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let may24 = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "Authorization" }?.value
    }

    @Test func iamListUsers() {
        let signer = SigV4Signer(service: "iam", region: "us-east-1")
        let request = SigV4Request(
            method: "GET", host: "iam.amazonaws.com", path: "/",
            query: [("Action", "ListUsers"), ("Version", "2010-05-08")],
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: []
        )
        let credentials = AWSCredentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        let headers = signer.sign(request, credentials: credentials, date: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(
            authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        )
        #expect(headers.first { $0.name == "X-Amz-Date" }?.value == "20150830T123600Z")
    }

    @Test func s3GetObjectWithRange() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1")
        let request = SigV4Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            headers: [("Range", "bytes=0-9")], body: [])
        let headers = signer.sign(request, credentials: s3Credentials, date: may24)
        #expect(
            authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(headers.first { $0.name == "X-Amz-Content-SHA256" }?.value == emptyPayloadSHA256)
    }

    @Test func s3PutObject() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1")
        let request = SigV4Request(
            method: "PUT", host: "examplebucket.s3.amazonaws.com", path: "/test%24file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            body: Array("Welcome to Amazon S3.".utf8)
        )
        let headers = signer.sign(request, credentials: s3Credentials, date: may24)
        #expect(
            headers.first { $0.name == "X-Amz-Content-SHA256" }?.value
                == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(
            authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
        )
    }

    @Test func s3GetBucketLifecycle() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1")
        let request = SigV4Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query: [("lifecycle", "")], body: [])
        #expect(
            authorization(signer.sign(request, credentials: s3Credentials, date: may24))
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
        )
    }

    @Test func s3ListObjects() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1")
        let request = SigV4Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/",
            query: [("prefix", "J"), ("max-keys", "2")], body: [])
        #expect(
            authorization(signer.sign(request, credentials: s3Credentials, date: may24))
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
        )
    }

    @Test func aWrongSecretChangesTheSignature() {
        let signer = SigV4Signer(service: "s3", region: "us-east-1")
        let request = SigV4Request(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
            headers: [("Range", "bytes=0-9")], body: [])
        var wrong = s3Credentials
        wrong.secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ"
        #expect(
            authorization(signer.sign(request, credentials: wrong, date: may24))
                != authorization(signer.sign(request, credentials: s3Credentials, date: may24)))
    }

    @Test func sessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(service: "sqs", region: "eu-west-1")
        var credentials = s3Credentials
        credentials.sessionToken = "token/with+chars="
        let headers = signer.sign(
            SigV4Request(method: "POST", host: "sqs.eu-west-1.amazonaws.com", path: "/", body: []),
            credentials: credentials, date: may24)
        #expect(headers.first { $0.name == "X-Amz-Security-Token" }?.value == "token/with+chars=")
        #expect(authorization(headers)?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,") == true)
    }
}
