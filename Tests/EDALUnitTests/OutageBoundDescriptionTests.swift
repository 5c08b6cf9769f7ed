import Testing

@testable import EDALWorker

@Suite("outage bound as edal config states it")
struct OutageBoundDescriptionTests {
    @Test(
        "maxReceiveCount read from a redrive policy as SQS writes it (a string) or as a number; the bound is it × 12 h")
    func fromRedrivePolicy() {
        let policy = #"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:edal-dlq","maxReceiveCount":"5"}"#
        #expect(OutageBound.maxReceiveCount(redrivePolicy: policy) == 5)
        #expect(OutageBound.maxReceiveCount(redrivePolicy: #"{"maxReceiveCount":7}"#) == 7)
        #expect(OutageBound.maxReceiveCount(redrivePolicy: "not json") == nil)
        #expect(OutageBound.describe(maxReceiveCount: 5).contains("5 × 12 h = 60 h"))
        #expect(OutageBound.describe(maxReceiveCount: nil).contains("no redrive policy"))
    }
}
