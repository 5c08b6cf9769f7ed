import EDALTestSupport
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

/// Traces exported over OTLP/HTTP by the real binary to a local receiver (PyPI's OpenTelemetry
/// protobuf package decodes them): one object's span tree, its signal and its log lines.
@Suite("traces", .serialized, .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct TracingTests {
    /// A receiver on a free port, and the file it appends the spans it receives to.
    static func startReceiver() async throws -> (HelperProcess.Running, endpoint: String, spans: URL) {
        let env = ProcessInfo.processInfo.environment
        let python = try #require(env["EDAL_TEST_PYTHON"])
        let script = URL(fileURLWithPath: try #require(env["EDAL_TEST_MONGO_FIXTURE_SCRIPT"]))
            .deletingLastPathComponent().appendingPathComponent("otlp_receiver.py").path
        let directory = FileManager.default.temporaryDirectory
        let portFile = directory.appendingPathComponent("\(TestServices.uniqueName("otlp")).port")
        let spans = directory.appendingPathComponent("\(TestServices.uniqueName("spans")).jsonl")
        let receiver = try HelperProcess.start(
            python, [script, "--port-file", portFile.path, "--spans", spans.path])
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return (receiver, "http://127.0.0.1:\(port)", spans)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        receiver.kill(SIGKILL)
        throw HelperProcess.Failed(description: "the OTLP receiver did not start: \(receiver.collectedErrors)")
    }

    @Test(
        "with OTEL_EXPORTER_OTLP_ENDPOINT set: a batch span, a span per object with claim, head, judge, publish, complete and delete under it; the signal and the log lines carry the trace id"
    )
    func objectSpanTree() async throws {
        guard let services = try TestServices.current() else { return }
        let (receiver, endpoint, spansFile) = try await Self.startReceiver()
        defer { receiver.kill(SIGKILL) }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-traces")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        // One HEAD fails once, so the worker logs a warning inside a batch's span.
        let s3 = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint,
            rules: [.init(operation: "s3.HeadObject", fault: "error500", times: 1)])
        let keys = try await fixture.generate(4, seed: 5)
        try await fixture.waitForNotifications(keys.count)
        let (outcome, figures) = try await fixture.drain(
            ["--idle-timeout", "10"],
            [
                "EDAL_MODE": "continuous", "EDAL_LOG_FORMAT": "json", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "200", "AWS_ENDPOINT_URL_S3": s3.endpoint, "AWS_MAX_ATTEMPTS": "1",
            ])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(2000))")
        #expect(figures["objects"] >= keys.count, "\(figures)")

        // The exporter flushed before the process ended.
        let lines = ((try? String(contentsOf: spansFile, encoding: .utf8)) ?? "").split(separator: "\n")
        let spans = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(spans.count > keys.count * 6, "\(spans.count) spans: \(outcome.errors.suffix(1500))")
        func attributes(_ span: [String: Any]) -> [String: Any] { span["attributes"] as? [String: Any] ?? [:] }
        let key = keys[0]
        let object = try #require(
            spans.first { $0["name"] as? String == "edal.object" && attributes($0)["aws.s3.key"] as? String == key },
            "no object span for \(key): \(spans.prefix(5))")
        #expect(attributes(object)["aws.s3.bucket"] as? String == fixture.bucket)
        #expect(object["service"] as? String == "edal")
        let traceId = try #require(object["trace_id"] as? String)
        let objectId = try #require(object["span_id"] as? String)
        // Its parent: the batch it came in, in the same trace.
        let batch = try #require(
            spans.first { $0["span_id"] as? String == object["parent_span_id"] as? String },
            "the object span's parent was not exported")
        #expect(batch["name"] as? String == "edal.batch" && batch["trace_id"] as? String == traceId)
        #expect(attributes(batch)["messaging.system"] as? String == "aws_sqs")
        // Its stages, each a child of the object's span.
        let stages = spans.filter { $0["parent_span_id"] as? String == objectId }
        let names = Set(stages.compactMap { $0["name"] as? String })
        #expect(names.isSuperset(of: ["claim", "head", "judge", "publish", "complete", "delete"]), "\(names)")
        #expect(stages.allSatisfy { $0["trace_id"] as? String == traceId })
        #expect(
            stages.contains {
                $0["name"] as? String == "publish" && attributes($0)["edal.outcome"] as? String == "kinesis"
            })
        #expect(attributes(object)["edal.outcome"] as? String == "signalled", "\(attributes(object))")

        // The signal leads to the trace.
        let signal = try #require(try await fixture.streamSignals().first { $0.evidence.key == key })
        #expect(signal.traceId == traceId)
        // A line the worker logged inside a batch carries its trace id (ECS `trace.id`).
        let logLines = outcome.errors.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let traced = logLines.filter { $0["trace.id"] is String }
        #expect(!traced.isEmpty, "no log line with trace.id: \(outcome.errors.suffix(1500))")
        let traceIds = Set(spans.compactMap { $0["trace_id"] as? String })
        #expect(traced.allSatisfy { traceIds.contains($0["trace.id"] as? String ?? "") })
        for line in outcome.errors.split(separator: "\n") where !line.isEmpty {
            #expect(ECSLogLine.problems(line).isEmpty, "\(ECSLogLine.problems(line))")
        }
    }

    @Test("without OTEL_EXPORTER_OTLP_ENDPOINT nothing is traced: signals carry no trace id")
    func offByDefault() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-notrace")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp()
        let keys = try await fixture.generate(2, seed: 6)
        try await fixture.waitForNotifications(keys.count)
        let (outcome, _) = try await fixture.drain(["--idle-timeout", "5"], ["EDAL_MODE": "continuous"])
        #expect(outcome.status == 0, "\(outcome.errors.suffix(1000))")
        let signals = try await fixture.streamSignals()
        #expect(signals.count == keys.count && signals.allSatisfy { $0.traceId == nil })
    }
}
