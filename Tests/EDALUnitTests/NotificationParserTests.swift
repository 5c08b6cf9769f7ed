import EDALState
import Foundation
import Testing

@testable import EDALAWS
@testable import EDALWorker

@Suite struct NotificationParserTests {
    static func record(
        _ key: String, eTag: String = "\"0cc175b9c0f1b6a831c399e269772661\"", event: String = "ObjectCreated:Put",
        bucket: String = "telemetry", sequencer: String = "0055AED6DCD90281E5", versionId: String? = nil
    ) -> String {
        let version = versionId.map { ",\"versionId\":\"\($0)\"" } ?? ""
        return """
            {"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-25T10:00:01.234Z",
             "eventName":"\(event)","s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"\(bucket)",
             "arn":"arn:aws:s3:::\(bucket)"},"object":{"key":"\(key)","size":1024,"eTag":\(eTag.hasPrefix("\"") ? "\"\\\(eTag.dropLast())\\\"\"" : "\"\(eTag)\"")\(version),"sequencer":"\(sequencer)"}}}
            """
    }

    /// `record` with `userIdentity`, `requestParameters` and the bucket's `ownerIdentity` as given.
    static func withIdentity(
        _ record: String, principal: String = "AWS:AROAEXAMPLE:session", sourceIP: String = "10.0.0.1",
        owner: String = "A3NL1KOZZKExample"
    ) -> String {
        record.replacingOccurrences(
            of: "\"eventName\"",
            with:
                "\"userIdentity\":{\"principalId\":\"\(principal)\"},\"requestParameters\":{\"sourceIPAddress\":\"\(sourceIP)\"},\"eventName\""
        )
        .replacingOccurrences(
            of: "\"arn\":\"arn:aws:s3:::",
            with: "\"ownerIdentity\":{\"principalId\":\"\(owner)\"},\"arn\":\"arn:aws:s3:::")
    }

    static func direct(_ records: String...) -> String { "{\"Records\":[\(records.joined(separator: ","))]}" }

    static func sns(_ inner: String) -> String {
        let escaped = String(
            decoding: try! JSONSerialization.data(withJSONObject: [inner], options: [.fragmentsAllowed]), as: UTF8.self)
        let message = escaped.dropFirst().dropLast()
        return """
            {"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:1:edal","Subject":"Amazon S3 Notification",
             "Message":\(message),"Timestamp":"2026-11-25T10:00:02.000Z","SignatureVersion":"1"}
            """
    }

    @Test func directEventWithSeveralRecords() throws {
        let notification = try NotificationParser.parse(
            Self.direct(Self.record("logs/a.jsonl"), Self.record("logs/b.jsonl", eTag: "abc-3")))
        #expect(notification.envelope == .direct)
        #expect(!notification.isTestEvent)
        #expect(notification.objects.map(\.key) == ["logs/a.jsonl", "logs/b.jsonl"])
        #expect(notification.objects[0].eTag == "0cc175b9c0f1b6a831c399e269772661")
        // Multipart ETags are valid ETags.
        #expect(notification.objects[1].eTag == "abc-3")
        #expect(notification.objects[0].size == 1024)
        #expect(notification.objects[0].sequencer == "0055AED6DCD90281E5")
        #expect(notification.objects[0].eventName == "ObjectCreated:Put")
        #expect(notification.objects[0].eventTime == HTTPDate.parseISO8601("2026-11-25T10:00:01.234Z"))
    }

    @Test func keysAreFormDecoded() throws {
        // AWS writes a space as "+", LocalStack as "%20"; a real plus is "%2B".
        let cases: [(String, String)] = [
            ("logs/a+b.jsonl", "logs/a b.jsonl"),
            ("logs/a%20b.jsonl", "logs/a b.jsonl"),
            ("logs/c%2B%2B.jsonl", "logs/c++.jsonl"),
            ("logs/%E2%98%BA%C3%A9.jsonl", "logs/☺é.jsonl"),
            ("logs/dt%3D2026-11-25/x%2Cy.jsonl", "logs/dt=2026-11-25/x,y.jsonl"),
            ("logs/100%25.jsonl", "logs/100%.jsonl"),
        ]
        for (encoded, key) in cases {
            #expect(
                try NotificationParser.parse(Self.direct(Self.record(encoded))).objects.first?.key == key, "\(encoded)")
            // What the backfill writes decodes back to the same key.
            #expect(key.formEncoded().formDecoded() == key)
        }
    }

    @Test func snsWrappedEventAndTestEvents() throws {
        let wrapped = try NotificationParser.parse(Self.sns(Self.direct(Self.record("traces/x+y.jsonl"))))
        #expect(wrapped.envelope == .sns)
        #expect(wrapped.objects.map(\.key) == ["traces/x y.jsonl"])

        let test =
            #"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T10:00:00.000Z","Bucket":"telemetry","RequestId":"R","HostId":"H"}"#
        #expect(try NotificationParser.parse(test).isTestEvent)
        let snsTest = try NotificationParser.parse(Self.sns(test))
        #expect(snsTest.isTestEvent)
        #expect(snsTest.envelope == .sns)
    }

    @Test func eventBridgeObjectCreated() throws {
        let body = """
            {"version":"0","id":"17793124","detail-type":"Object Created","source":"aws.s3","account":"111122223333",
             "time":"2026-11-25T10:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::telemetry"],
             "detail":{"version":"0","bucket":{"name":"telemetry"},"object":{"key":"raw/a b+c:1.jsonl","size":5,
             "etag":"b1946ac92492d2347c6235b4d2611184-2","version-id":"IYV3p45","sequencer":"617f08299329d189"},
             "request-id":"N4N7","requester":"1","reason":"CompleteMultipartUpload"}}
            """
        let notification = try NotificationParser.parse(body)
        #expect(notification.envelope == .eventBridge)
        // EventBridge keys are not encoded: used as they are.
        #expect(notification.objects.map(\.key) == ["raw/a b+c:1.jsonl"])
        #expect(notification.objects[0].versionId == "IYV3p45")
        #expect(notification.objects[0].eTag == "b1946ac92492d2347c6235b4d2611184-2")
        #expect(notification.objects[0].eventName == "ObjectCreated:CompleteMultipartUpload")

        let deleted = body.replacingOccurrences(of: "Object Created", with: "Object Deleted")
        #expect(try NotificationParser.parse(deleted).ignoredRecords == 1)
    }

    @Test func otherEventTypesAreCountedNotProcessed() throws {
        let notification = try NotificationParser.parse(
            Self.direct(
                Self.record("a", event: "ObjectRemoved:Delete"), Self.record("b"),
                Self.record("c", event: "ObjectRestore:Completed")))
        #expect(notification.objects.map(\.key) == ["b"])
        #expect(notification.ignoredRecords == 2)
    }

    @Test func malformedBodiesAreRejectedWithAReason() {
        let bodies = [
            "", "not json", "[]", "{}", #"{"Records":[]}"#, #"{"Records":"x"}"#,
            Self.direct(Self.record("")),
            Self.direct(Self.record("bad%ZZescape")),
            Self.direct(Self.record("%FF%FE")),
            Self.direct(Self.record("a", eTag: "")),
            #"{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"a","eTag":"e"}}}]}"#,
            #"{"Type":"Notification","TopicArn":"arn","Message":"not json"}"#,
            #"{"detail-type":"Object Created","source":"aws.ec2","detail":{}}"#,
        ]
        for body in bodies {
            #expect(throws: NotificationParseError.self, "\(body)") { try NotificationParser.parse(body) }
        }
    }

    @Test("what S3 would never send is malformed, with the reason, before any request")
    func boundedHostileInput() throws {
        let cases: [(String, String)] = [
            (Self.direct(Self.record(String(repeating: "k", count: 1025))), "1025 bytes"),
            (Self.direct(Self.record("a", bucket: "no/slashes")), "not an S3 bucket name"),
            (Self.direct(Self.record("a", bucket: "ab")), "not an S3 bucket name"),
            (Self.direct(Self.record("a", bucket: "-leading-hyphen")), "not an S3 bucket name"),
            (Self.direct(Self.record("a", sequencer: "not-hex")), "not hexadecimal"),
            // A forged long sequencer would sort after every genuine one (claims pad to 32 digits).
            (Self.direct(Self.record("a", sequencer: String(repeating: "F", count: 33))), "33 hex digits"),
            (Self.direct(Self.record("a", sequencer: String(repeating: "0", count: 63) + "1")), "64 hex digits"),
            (Self.direct(Self.record("a").replacingOccurrences(of: "\"size\":1024", with: "\"size\":-1")), "outside 0"),
            (Self.direct(Self.record("a", eTag: "has space")), "ETag"),
            (Self.direct(Array(repeating: Self.record("a"), count: 101).joined(separator: ",")), "101 records"),
            // Fields a signal and a baseline carry, unbounded in a forged notification.
            (Self.direct(Self.record("a", event: "ObjectCreated:" + String(repeating: "P", count: 60))), "eventName"),
            (
                Self.direct(Self.withIdentity(Self.record("a"), principal: String(repeating: "p", count: 100_000))),
                "principalId"
            ),
            (
                Self.direct(Self.withIdentity(Self.record("a"), sourceIP: String(repeating: "9", count: 300))),
                "sourceIPAddress"
            ),
            (Self.direct(Self.withIdentity(Self.record("a"), principal: "AWS:AROA\\u0007bell")), "control characters"),
            (
                Self.direct(Self.withIdentity(Self.record("a"), owner: String(repeating: "o", count: 600))),
                "ownerIdentity"
            ),
        ]
        for (body, reason) in cases {
            let error = #expect(throws: NotificationParseError.self) { try NotificationParser.parse(body) }
            #expect(error?.reason.contains(reason) == true, "\(String(describing: error)) for \(body.prefix(120))")
        }
        // The limits themselves are allowed: a 1,024-byte key, a legacy us-east-1 bucket name, 100
        // records, a 32-digit sequencer, identities as S3 writes them.
        let identified = try NotificationParser.parse(
            Self.direct(Self.withIdentity(Self.record("a"), principal: "AWS:AROA" + String(repeating: "X", count: 200)))
        )
        #expect(identified.objects.first?.writer?.hasPrefix("AWS:AROAXX") == true)
        #expect(
            identified.objects.first?.sourceIP == "10.0.0.1"
                && identified.objects.first?.bucketOwner == "A3NL1KOZZKExample")
        #expect(
            try NotificationParser.parse(Self.direct(Self.record("a", sequencer: String(repeating: "A", count: 32))))
                .objects.count == 1)
        #expect(
            try NotificationParser.parse(Self.direct(Self.record(String(repeating: "k", count: 1024)))).objects.count
                == 1)
        #expect(
            try NotificationParser.parse(Self.direct(Self.record("a", bucket: "Legacy_Bucket.Name"))).objects.count == 1
        )
        #expect(
            try NotificationParser.parse(
                Self.direct(Array(repeating: Self.record("a"), count: 100).joined(separator: ","))
            ).objects.count == 100)
    }
}

@Suite struct SignalTests {
    func sample() -> Signal {
        Signal(
            signalId: SignalID.make(bucket: "b", key: "logs/a b.jsonl", eTag: "e1"),
            emittedAt: Date(timeIntervalSince1970: 1_795_600_000),
            anomalous: true, check: "metadata_value",
            source: .init(id: "b/logs/%Y/a b.jsonl", template: "logs/%Y/a b.jsonl", producer: nil, state: "normal"),
            service: "checkout", score: 0.81,
            reasons: [
                .init(
                    check: "metadata_value", field: "error-rate", value: "0.4", observed: 0.4, expected: 0.01,
                    deviation: 12, detail: "high")
            ],
            baseline: .init(objects: 300, recent: 256, cadenceSeconds: 300, medianSize: 8000, medianLagSeconds: 12),
            detector: .init(mode: .anomalies),
            evidence: .init(
                uri: "s3://b/logs/a b.jsonl", bucket: "b", key: "logs/a b.jsonl", versionId: nil, eTag: "e1", size: 10,
                lastModified: Date(timeIntervalSince1970: 1_795_599_000), contentType: "application/x-ndjson",
                contentEncoding: nil, storageClass: "STANDARD", metadata: ["service": "checkout"]),
            origin: .init(via: "notification", eventName: "ObjectCreated:Put", eventTime: nil, sequencer: "0A"),
            producer: "edal/test"
        )
    }

    @Test func signalIdDependsOnBucketKeyETagAndTheVersionGiven() {
        let id = SignalID.make(bucket: "b", key: "k", eTag: "e")
        #expect(id.count == 32)
        #expect(id == SignalID.make(bucket: "b", key: "k", eTag: "e"))
        #expect(id != SignalID.make(bucket: "b", key: "k", eTag: "f"))
        #expect(id != SignalID.make(bucket: "b", key: "ke", eTag: ""))  // separators matter
        #expect(id != SignalID.make(bucket: "c", key: "k", eTag: "e"))
        // A version id counts when given (EDAL_DEDUPE=version); S3's "null" version is no version.
        #expect(id != SignalID.make(bucket: "b", key: "k", eTag: "e", versionId: "v1"))
        #expect(id == SignalID.make(bucket: "b", key: "k", eTag: "e", versionId: "null"))
        // By default (content) the worker gives none: every version of the same bytes shares the id.
        #expect(DedupeScope.content.signalVersion("v1") == nil)
        #expect(DedupeScope.version.signalVersion("v1") == "v1")
    }

    /// The wire format of `edal.signal/1`, byte for byte: a change here is a schema change.
    static let golden = """
        {"anomalous":true,"baseline":{"cadence_seconds":300,"median_lag_seconds":12,"median_size":8000,"objects":300,"recent":256},\
        "check":"metadata_value","detector":{"mode":"anomalies"},"emitted_at":"2026-11-25T09:46:40Z",\
        "evidence":{"bucket":"b","content_type":"application\\/x-ndjson","etag":"e1","key":"logs\\/a b.jsonl","last_modified":"2026-11-25T09:30:00Z",\
        "metadata":{"service":"checkout"},"size":10,"storage_class":"STANDARD","uri":"s3:\\/\\/b\\/logs\\/a b.jsonl"},\
        "origin":{"event_name":"ObjectCreated:Put","sequencer":"0A","via":"notification"},"producer":"edal\\/test",\
        "reasons":[{"check":"metadata_value","detail":"high","deviation":12,"expected":0.01,"field":"error-rate","observed":0.4,"value":"0.4"}],\
        "schema":"edal.signal\\/1","score":0.81,"service":"checkout","signal_id":"\(SignalID.make(bucket: "b", key: "logs/a b.jsonl", eTag: "e1"))",\
        "source":{"id":"b\\/logs\\/%Y\\/a b.jsonl","state":"normal","template":"logs\\/%Y\\/a b.jsonl"}}
        """

    @Test func jsonUsesTheDocumentedSchema() throws {
        let signal = sample()
        let json = try #require(try JSONSerialization.jsonObject(with: signal.encoded()) as? [String: Any])
        #expect(
            Set(json.keys) == [
                "schema", "signal_id", "emitted_at", "anomalous", "check", "source", "service", "score",
                "reasons", "baseline", "detector", "evidence", "origin", "producer",
            ])
        #expect(json["schema"] as? String == "edal.signal/1")
        let evidence = try #require(json["evidence"] as? [String: Any])
        #expect(evidence["uri"] as? String == "s3://b/logs/a b.jsonl")
        #expect(evidence["etag"] as? String == "e1")
        #expect(evidence["last_modified"] as? String == "2026-11-25T09:30:00Z")
        let reason = try #require((json["reasons"] as? [[String: Any]])?.first)
        #expect(reason["expected"] as? Double == 0.01)
        #expect(try Signal.decode(signal.encoded()) == signal)
        // One source's signals share a partition key, so they stay on one shard.
        #expect(signal.partitionKey == "b/logs/%Y/a b.jsonl")
    }

    @Test func goldenWireFormat() throws {
        let parsedGolden = try JSONSerialization.jsonObject(with: Data(Self.golden.utf8)) as? NSDictionary
        let parsedOurs = try JSONSerialization.jsonObject(with: sample().encoded()) as? NSDictionary
        #expect(parsedGolden == parsedOurs)
    }

    @Test func sourceEventIdsAreOnePerSourceAndEpisode() {
        let episode = Date(timeIntervalSince1970: 1_795_600_000)
        let id = SignalID.source(bucket: "b", template: "t/%Y", check: "silent_source", episode: episode)
        #expect(id == SignalID.source(bucket: "b", template: "t/%Y", check: "silent_source", episode: episode))
        #expect(
            id
                != SignalID.source(
                    bucket: "b", template: "t/%Y", check: "silent_source", episode: episode.addingTimeInterval(300)))
        #expect(id != SignalID.source(bucket: "b", template: "t/%Y", check: "resumed", episode: episode))
        #expect(id != SignalID.make(bucket: "b", key: "t/%Y", eTag: "silent_source"))
    }

    @Test func kinesisBatchesRespectRecordAndByteLimits() {
        let signal = sample()
        let small = Data(repeating: 0x41, count: 1000)
        let payloads = Array(repeating: small, count: 1203)
        let batches = SignalPublisher.kinesisBatches(
            Array(0..<1203), payloads: payloads, signals: Array(repeating: signal, count: 1203))
        #expect(batches.map(\.count) == [500, 500, 203])
        let big = Array(repeating: Data(repeating: 0x41, count: 1 << 20), count: 12)
        let byBytes = SignalPublisher.kinesisBatches(
            Array(0..<12), payloads: big, signals: Array(repeating: signal, count: 12))
        // 5 MiB per request: four records of 1 MiB (plus their partition keys) fit, a fifth does not.
        #expect(byBytes.map(\.count) == [4, 4, 4])
        #expect(byBytes.flatMap { $0 } == Array(0..<12))
        #expect(
            SignalPublisher.queueBatches(Array(0..<25), payloads: Array(repeating: small, count: 25)).map(\.count) == [
                10, 10, 5,
            ])
    }
}

@Suite struct SweepLayoutTests {
    @Test func timePartitionsCoverTheWindow() throws {
        let layout = try PartitionLayout(parsing: "*/*/%Y/%m/%d/%H/")
        let since = try #require(HTTPDate.parseISO8601("2026-12-31T22:30:00Z"))
        let until = try #require(HTTPDate.parseISO8601("2027-01-01T01:05:00Z"))
        #expect(
            layout.timePrefixes(since: since, until: until) == [
                "2026/12/31/22/", "2026/12/31/23/", "2027/01/01/00/", "2027/01/01/01/",
            ])
        let daily = try PartitionLayout(parsing: "logs/dt=%Y-%m-%d")
        #expect(daily.timePrefixes(since: since, until: until) == ["dt=2026-12-31/", "dt=2027-01-01/"])
        #expect(daily.leadingSegments == [.literal("logs")])
    }

    @Test func badLayoutsAreRefused() {
        for bad in ["*/*", "%Y/*", "%Y/%q", "logs/%Y/x"] {
            #expect(throws: SettingsError.self, "\(bad)") { try PartitionLayout(parsing: bad) }
        }
    }
}

@Suite struct WorkerSettingsTests {
    @Test func defaultsAndEnvironment() throws {
        let defaults = try WorkerSettings.fromEnvironment([:])
        #expect(defaults.queue == "edal-notifications")
        #expect(defaults.receiveLoops == 4)
        #expect(defaults.lease == .seconds(30))
        #expect(defaults.sweepInterval == 900)

        let settings = try WorkerSettings.fromEnvironment([
            "EDAL_QUEUE": "https://sqs.eu-west-1.amazonaws.com/1/q", "EDAL_RECEIVE_LOOPS": "8",
            "EDAL_VISIBILITY_TIMEOUT": "60",
            "EDAL_MODE": "continuous", "EDAL_WATCH": "telemetry/logs/, s3://other", "EDAL_STREAM": "",
            "EDAL_SWEEP_PARTITIONS": "*/*/%Y/%m/%d/%H/", "EDAL_RULES": "logs:error-rate > 0.05",
        ])
        #expect(settings.receiveLoops == 8)
        #expect(
            try WorkerSettings.fromEnvironment(["EDAL_WORKERS": "6"]).receiveLoops == 6, "the older name is still read")
        #expect(settings.lease == .seconds(60))
        #expect(settings.mode == .continuous)
        #expect(settings.stream == "")
        #expect(
            settings.watch == [WatchedLocation(bucket: "telemetry", prefix: "logs/"), WatchedLocation(bucket: "other")])
        #expect(settings.rules.count == 1)
        // Allowed by default: the watched buckets, whole (a notification anywhere in them is theirs).
        #expect(
            settings.allowedBuckets
                == BucketAllowList([WatchedLocation(bucket: "telemetry"), WatchedLocation(bucket: "other")]))
        #expect(settings.allowedBuckets.permits(bucket: "telemetry", key: "traces/x"))
        #expect(!settings.allowedBuckets.permits(bucket: "payroll", key: "x"))
        #expect(defaults.allowedBuckets.isOpen)
    }

    @Test func expectedBucketOwners() throws {
        let settings = try WorkerSettings.fromEnvironment([
            "EDAL_EXPECTED_BUCKET_OWNER": "111122223333, logs=444455556666"
        ])
        #expect(settings.expectedBucketOwners.owner(of: "logs") == "444455556666")
        #expect(settings.expectedBucketOwners.owner(of: "other") == "111122223333")
        #expect(try WorkerSettings.fromEnvironment([:]).expectedBucketOwners.owner(of: "x") == nil)
        for bad in ["1234", "logs=abc", "logs=1111222233334"] {
            let error = #expect(throws: SettingsError.self) {
                try WorkerSettings.fromEnvironment(["EDAL_EXPECTED_BUCKET_OWNER": bad])
            }
            #expect(error?.setting == "EDAL_EXPECTED_BUCKET_OWNER", "\(bad)")
        }
    }

    @Test(
        "the bucket owner an event names: ownerIdentity (direct, SNS) or EventBridge's account; compared only when it is an account id"
    )
    func bucketOwnerInEvents() throws {
        let direct = NotificationParserTests.direct(NotificationParserTests.record("a")).replacingOccurrences(
            of: #""bucket":{"name":"telemetry","#,
            with: #""bucket":{"name":"telemetry","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"#)
        #expect(try NotificationParser.parse(direct).objects.first?.bucketOwner == "A3NL1KOZZKExample")
        #expect(
            try NotificationParser.parse(NotificationParserTests.sns(direct)).objects.first?.bucketOwner
                == "A3NL1KOZZKExample")
        let bridge = """
            {"detail-type":"Object Created","source":"aws.s3","account":"111122223333",
             "detail":{"bucket":{"name":"telemetry"},"object":{"key":"k","size":5,"etag":"e"},"reason":"PutObject"}}
            """
        let bridged = try #require(try NotificationParser.parse(bridge).objects.first)
        #expect(bridged.bucketOwner == "111122223333")

        var configuration = QueueWorkerConfiguration(queueURL: "q")
        configuration.allowedBuckets = BucketAllowList([WatchedLocation(bucket: "telemetry")])
        configuration.expectedBucketOwners = S3ExpectedBucketOwners(allBuckets: "444455556666")
        #expect(RecordRejection.of(bridged, under: configuration) == .ownerMismatch)
        // S3's canonical id cannot be compared with an account id: the HEAD's expected-owner header checks it.
        #expect(
            RecordRejection.of(try #require(try NotificationParser.parse(direct).objects.first), under: configuration)
                == nil)
        configuration.expectedBucketOwners = S3ExpectedBucketOwners(byBucket: ["telemetry": "111122223333"])
        #expect(RecordRejection.of(bridged, under: configuration) == nil)
        configuration.expectedBucketOwners = .none
        #expect(RecordRejection.of(bridged, under: configuration) == nil)
        var elsewhere = bridged
        elsewhere.bucket = "payroll"
        #expect(RecordRejection.of(elsewhere, under: configuration) == .bucketNotAllowed)
    }

    @Test func allowedBuckets() throws {
        let narrowed = try WorkerSettings.fromEnvironment(["EDAL_ALLOWED_BUCKETS": "telemetry/logs/"])
        #expect(narrowed.allowedBuckets.permits(bucket: "telemetry", key: "logs/a"))
        #expect(!narrowed.allowedBuckets.permits(bucket: "telemetry", key: "traces/a"))
        // A watched location outside the allow-list is a contradiction, said at start-up.
        #expect(throws: SettingsError.self) {
            try WorkerSettings.fromEnvironment(["EDAL_ALLOWED_BUCKETS": "telemetry/logs/", "EDAL_WATCH": "telemetry"])
        }
        let error = #expect(throws: SettingsError.self) {
            try WorkerSettings.fromEnvironment(["EDAL_ALLOWED_BUCKETS": "No_Such/"])
        }
        #expect(error?.setting == "EDAL_ALLOWED_BUCKETS")
    }

    @Test func storeAndAddressingAreWorkerSettings() throws {
        let settings = try WorkerSettings.fromEnvironment([
            "EDAL_STATE_STORE_URI": "mongodb://user:pw@db/edal", "EDAL_S3_ADDRESSING_STYLE": "Virtual",
        ])
        #expect(settings.storeURI == "mongodb://user:pw@db/edal")
        #expect(settings.s3AddressingStyle == .virtualHosted)
        #expect(WorkerSettings().storeURI == "sqlite:edal-state.db")
        #expect(WorkerSettings().s3AddressingStyle == nil)
        let shown = WorkerSettings.declarations.first { $0.variable == "EDAL_STATE_STORE_URI" }?.current(settings)
        #expect(shown?.contains("pw") == false)
    }

    @Test func badValuesNameTheirSetting() {
        let cases: [([String: String], String)] = [
            (["EDAL_RECEIVE_LOOPS": "0"], "EDAL_RECEIVE_LOOPS"),
            (["EDAL_WORKERS": "many"], "EDAL_WORKERS"),
            (["EDAL_MODE": "loud"], "EDAL_MODE"),
            (["EDAL_SCORE_THRESHOLD": "2"], "EDAL_SCORE_THRESHOLD"),
            (["EDAL_WATCH": "Bad_Bucket"], "EDAL_WATCH"),
            (["EDAL_STREAM": "", "EDAL_FALLBACK_QUEUE": ""], "EDAL_STREAM"),
            (["EDAL_SWEEP_PARTITIONS": "*/*"], "EDAL_SWEEP_PARTITIONS"),
            (["EDAL_STATE_STORE_URI": "postgres://x"], "EDAL_STATE_STORE_URI"),
            (["EDAL_RULES": "error-rate >>> 1"], "EDAL_RULES"),
            (["EDAL_S3_ADDRESSING_STYLE": "sideways"], "EDAL_S3_ADDRESSING_STYLE"),
        ]
        for (environment, setting) in cases {
            #expect(throws: SettingsError.self) { try WorkerSettings.fromEnvironment(environment) }
            do {
                _ = try WorkerSettings.fromEnvironment(environment)
            } catch {
                #expect(error.setting == setting, "\(environment)")
            }
        }
    }
}
