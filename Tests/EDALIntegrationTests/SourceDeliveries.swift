import Foundation
import Testing

@testable import EDALAWS
@testable import EDALState

/// Objects of one VPC-flow-log-like source uploaded one a second, and what a test may expect of
/// their silence once the worker has seen them all.
struct SourceDeliveries: Sendable {
    var keys: [String]
    /// When the first upload was sent.
    var started: ContinuousClock.Instant
    /// When each upload was answered.
    var uploaded: [ContinuousClock.Instant]

    var gaps: [Duration] { zip(uploaded.dropFirst(), uploaded).map { $0 - $1 } }
    var longestGap: Duration { gaps.max() ?? .zero }
    /// The cadence the source delivered at over its last `count` objects, in seconds: the mean gap,
    /// as the worker computes a source's cadence from their `LastModified`.
    func meanGapSeconds(overLast count: Int) -> Double {
        let recent = uploaded.suffix(count)
        guard let first = recent.first, let last = recent.last, recent.count > 1 else { return 0 }
        return (last - first) / .seconds(1) / Double(recent.count - 1)
    }

    /// By when a worker that had every object done at `done` must have found the source silent,
    /// with `EDAL_SILENCE_MINIMUM_GAP` set to `minimumGap`.
    ///
    /// The worker waits, after the last object's `LastModified`, three usual gaps (the floor, or
    /// 1.5 of the longest gap) plus its delivery-lag allowance: the longest it took to see an object
    /// after S3 stored it, plus 1 s. The test sends each notification as S3 stores the object, but a
    /// worker on a machine loaded by the other suites can still be slow to receive and judge it; no
    /// object took longer than `done - started`. 20 s more cover a sync, the lease and the publish.
    func silenceFound(by done: ContinuousClock.Instant, minimumGap: Duration) -> ContinuousClock.Instant {
        let usualGaps = max(minimumGap * 3, (longestGap + .seconds(2)) * 1.5)
        return (uploaded.last ?? started) + usualGaps + (done - started) + .seconds(21)
    }

    /// The figures a failure message needs to be read.
    func timings(done: ContinuousClock.Instant) -> String {
        "longest gap between uploads \(longestGap), every object done \(done - started) after the first upload"
    }
}

extension PipelineFixture {
    /// Uploads `count` objects of one VPC-flow-log-like source (`flowLogKey`), one a second (later
    /// when S3 answers slowly), each notified by the test (call `notifyFromTheTest` first, so that
    /// S3 does not notify them too).
    func deliverEverySecond(_ count: Int) async throws -> SourceDeliveries {
        var keys: [String] = []
        var uploaded: [ContinuousClock.Instant] = []
        let started = ContinuousClock.now
        try await withClient { client in
            let queueURL = try await SQSClient(client: client).getQueueUrl(queue)
            for index in 0..<count {
                try await Task.sleep(until: started + .seconds(index))
                let key = PipelineFixture.flowLogKey(index)
                try await putAndNotify(
                    key, body: Array(repeating: 0x61, count: 2000 + index % 3 * 10),
                    contentType: "application/octet-stream", client: client, queueURL: queueURL)
                keys.append(key)
                uploaded.append(.now)
            }
        }
        try await Task.sleep(until: started + .seconds(count))
        return SourceDeliveries(keys: keys, started: started, uploaded: uploaded)
    }

    /// Waits until the store holds every one of `keys` as done (seen, judged, its claim closed),
    /// at most 240 s (LocalStack's notifications can lag minutes under `make test`); answers when
    /// that was seen, and records an issue if it never was. Polled once a second: each poll opens
    /// the store anew, and the MongoDB fixture serves every suite at once.
    func waitUntilDone(_ keys: [String]) async throws -> ContinuousClock.Instant {
        let limit = ContinuousClock.now + .seconds(240)
        var claims: [String: StoredClaim] = [:]
        while ContinuousClock.now < limit {
            claims = try await storedClaims(keys)
            if claims.count == keys.count, claims.values.allSatisfy({ $0.status == .done }) { return .now }
            try await Task.sleep(for: .seconds(1))
        }
        Issue.record("\(claims.values.filter { $0.status == .done }.count) of \(keys.count) objects done after 240 s")
        return .now
    }
}
