import EDALAWS
import EDALDetection
import Foundation

/// One generated telemetry object: its key, JSON-lines body, the summary metadata a shipper would
/// attach, and the ground truth (which never goes into the metadata).
public struct SyntheticObject: Sendable {
    public var key: String
    public var kind: TelemetryKind
    public var service: String
    public var body: [UInt8]
    /// `x-amz-meta-*` values, names without the prefix.
    public var metadata: [String: String]
    /// The injected anomaly, or `nil` for a normal object.
    public var anomaly: AnomalyShape?
}

/// Deterministic synthetic MELT telemetry: the same seed and index always give the same object, so
/// objects can be generated concurrently and reproduced exactly.
public struct SyntheticMELT: Sendable {
    public struct Options: Sendable {
        public var seed: UInt64
        /// The body size of a normal object, roughly.
        public var objectSize: Int
        /// The share of objects carrying an injected anomaly.
        public var anomalyRate: Double
        public var services: [String]
        public var environment: String
        /// Objects are spread one per `interval` seconds from `start`.
        public var start: Date
        public var interval: TimeInterval
        /// Gzip the bodies (keys end in `.jsonl.gz`); `objectSize` is then the size before compression.
        public var gzip: Bool

        public init(
            seed: UInt64 = 1, objectSize: Int = 100 * 1024, anomalyRate: Double = 0.05,
            services: [String] = ["checkout", "payments", "search", "inventory", "auth", "shipping"],
            environment: String = "production", start: Date = Date(timeIntervalSince1970: 1_795_000_000),
            interval: TimeInterval = 1, gzip: Bool = false
        ) {
            self.seed = seed
            self.objectSize = objectSize
            self.anomalyRate = anomalyRate
            self.services = services
            self.environment = environment
            self.start = start
            self.interval = interval
            self.gzip = gzip
        }
    }

    /// How one service behaves normally, drawn once from the seed.
    struct ServiceProfile: Sendable {
        var name: String
        var errorRate: Double
        var latencyMedianMs: Double
        var seriesCount: Int
        var eventTypes: Int
        var recordScale: Double
    }

    public let options: Options
    let profiles: [ServiceProfile]

    public init(options: Options) {
        self.options = options
        var random = SeededRandom(seed: options.seed ^ 0x5EED_0F5E_4B1C_E5)
        profiles = options.services.map { name in
            ServiceProfile(
                name: name,
                errorRate: random.uniform(0.002, 0.02),
                latencyMedianMs: random.uniform(15, 120),
                seriesCount: random.int(in: 20..<80),
                eventTypes: random.int(in: 4..<12),
                recordScale: random.uniform(0.8, 1.25)
            )
        }
    }

    /// The object at `index`: its kind and service drawn from the seed.
    public func object(at index: Int) -> SyntheticObject {
        var random = SeededRandom(seed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let kind = TelemetryKind.allCases[random.int(in: 0..<TelemetryKind.allCases.count)]
        let service = random.int(in: 0..<profiles.count)
        return object(
            at: index, kind: kind, service: service,
            time: options.start.addingTimeInterval(Double(index) * options.interval),
            random: &random)
    }

    /// The object at `index` of `kind` from the service at `service` (an index into `options.services`),
    /// written at `time`: for producers on a schedule.
    public func object(at index: Int, kind: TelemetryKind, service: Int, time: Date) -> SyntheticObject {
        var random = SeededRandom(seed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index) &+ 0x5C4E_D01E)
        return object(at: index, kind: kind, service: service, time: time, random: &random)
    }

    private func object(at index: Int, kind: TelemetryKind, service: Int, time: Date, random: inout SeededRandom)
        -> SyntheticObject
    {
        let profile = profiles[service % profiles.count]
        var anomaly: AnomalyShape?
        if random.unit() < options.anomalyRate {
            let shapes = AnomalyShape.applicable(to: kind)
            anomaly = shapes[random.int(in: 0..<shapes.count)]
        }
        var builder = RecordBuilder(
            kind: kind, profile: profile, anomaly: anomaly, random: random, options: options, time: time)
        var (body, metadata) = builder.build()
        var suffix = ".jsonl"
        if options.gzip, let compressed = try? Gzip.compress(body) {
            body = compressed
            suffix = ".jsonl.gz"
        }
        let civil = CivilTime(epochSeconds: Int64(time.timeIntervalSince1970))
        let hourPath = String(format: "%04d/%02d/%02d/%02d", civil.year, civil.month, civil.day, civil.hour)
        let key =
            "\(kind.rawValue)/\(profile.name)/\(hourPath)/\(profile.name)-\(String(format: "%08d", index))\(suffix)"
        return SyntheticObject(
            key: key, kind: kind, service: profile.name, body: body, metadata: metadata, anomaly: anomaly)
    }
}

/// Builds one object's records and computes their summary, as a shipper would.
private struct RecordBuilder {
    let kind: TelemetryKind
    let profile: SyntheticMELT.ServiceProfile
    let anomaly: AnomalyShape?
    var random: SeededRandom
    let options: SyntheticMELT.Options
    let time: Date

    static let recordSize: [TelemetryKind: Int] = [.logs: 133, .traces: 136, .metrics: 115, .events: 106]
    static let messages = [
        "request served", "cache miss, fetching from origin", "user session refreshed", "retrying upstream call",
        "queue consumer acknowledged batch", "connection pool resized", "feature flag evaluated", "payload validated",
    ]

    mutating func build() -> ([UInt8], [String: String]) {
        let typicalRecords = Double(options.objectSize) / Double(Self.recordSize[kind] ?? 180) * profile.recordScale
        var records = max(1, Int(random.logNormal(median: typicalRecords, sigma: 0.15)))
        var errorRate = profile.errorRate
        var latencyFactor = 1.0
        var span = random.logNormal(median: 60, sigma: 0.1)
        switch anomaly {
        case .errorBurst: errorRate = random.uniform(0.15, 0.6)
        case .latencySpike: latencyFactor = random.uniform(4, 15)
        case .sizeBlowUp: records = Int(Double(records) * random.uniform(6, 15))
        case .silentGap:
            records = random.int(in: 0..<4)
            span = random.uniform(0, 3)
        case .unseenSeverity, nil: break
        }

        var body: [UInt8] = []
        body.reserveCapacity(records * (Self.recordSize[kind] ?? 180) + 64)
        var errors = 0
        var latencies: [Double] = []
        var severities: [String: Int] = [:]
        var series: Set<Int> = []
        var types: Set<Int> = []
        let startSeconds = time.timeIntervalSince1970
        var firstTimestamp = Double.infinity
        var lastTimestamp = -Double.infinity

        for recordIndex in 0..<records {
            let at = startSeconds + span * Double(recordIndex) / Double(max(records, 1))
            firstTimestamp = min(firstTimestamp, at)
            lastTimestamp = max(lastTimestamp, at)
            let isError = random.unit() < errorRate
            if isError { errors += 1 }
            let stamp = Self.timestamp(at)
            switch kind {
            case .logs:
                var level =
                    isError ? "error" : (random.unit() < 0.05 ? "warn" : (random.unit() < 0.3 ? "debug" : "info"))
                if anomaly == .unseenSeverity, random.unit() < 0.1 { level = "fatal" }
                severities[level, default: 0] += 1
                let message = Self.messages[random.int(in: 0..<Self.messages.count)]
                Self.append(
                    #"{"ts":"\#(stamp)","level":"\#(level)","service":"\#(profile.name)","msg":"\#(message)","trace_id":"\#(Self.hex(random.next()))"}"#,
                    to: &body)
            case .traces:
                let latency = random.logNormal(median: profile.latencyMedianMs * latencyFactor, sigma: 0.5)
                latencies.append(latency)
                Self.append(
                    #"{"ts":"\#(stamp)","trace_id":"\#(Self.hex(random.next()))","span_id":"\#(Self.hex(random.next() >> 32))","name":"\#(profile.name).handle","duration_ms":\#(Self.decimal(latency)),"status":"\#(isError ? "error" : "ok")"}"#,
                    to: &body)
            case .metrics:
                let latency = random.logNormal(median: profile.latencyMedianMs * latencyFactor, sigma: 0.4)
                latencies.append(latency)
                let seriesId = random.int(in: 0..<profile.seriesCount)
                series.insert(seriesId)
                Self.append(
                    #"{"ts":"\#(stamp)","metric":"http_server_duration_ms","series":"\#(profile.name)-\#(seriesId)","value":\#(Self.decimal(latency)),"status":\#(isError ? 503 : 200)}"#,
                    to: &body)
            case .events:
                let type = random.int(in: 0..<profile.eventTypes)
                types.insert(type)
                Self.append(
                    #"{"ts":"\#(stamp)","type":"\#(profile.name).event-\#(type)","outcome":"\#(isError ? "failed" : "succeeded")","id":"\#(Self.hex(random.next()))"}"#,
                    to: &body)
            }
        }

        var metadata: [String: String] = [
            "schema": "edal-melt/1",
            "kind": kind.rawValue,
            "service": profile.name,
            "environment": options.environment,
            "record-count": String(records),
            "error-count": String(errors),
            "error-rate": Self.decimal(records > 0 ? Double(errors) / Double(records) : 0, places: 5),
            "time-span-seconds": Self.decimal(records > 0 ? lastTimestamp - firstTimestamp : 0),
        ]
        if records > 0 {
            metadata["time-start"] = Self.timestamp(firstTimestamp)
            metadata["time-end"] = Self.timestamp(lastTimestamp)
        }
        switch kind {
        case .logs:
            for (level, count) in severities { metadata["severity-\(level)"] = String(count) }
            for level in ["debug", "info", "warn", "error"] where metadata["severity-\(level)"] == nil {
                metadata["severity-\(level)"] = "0"
            }
        case .traces, .metrics:
            let sorted = latencies.sorted()
            metadata["latency-p50-ms"] = Self.decimal(Self.percentile(sorted, 0.50))
            metadata["latency-p95-ms"] = Self.decimal(Self.percentile(sorted, 0.95))
            metadata["latency-p99-ms"] = Self.decimal(Self.percentile(sorted, 0.99))
            metadata["latency-max-ms"] = Self.decimal(sorted.last ?? 0)
            if kind == .metrics { metadata["series-count"] = String(series.count) }
        case .events:
            metadata["event-types"] = String(types.count)
        }
        return (body, metadata)
    }

    static func append(_ line: String, to body: inout [UInt8]) {
        body.append(contentsOf: line.utf8)
        body.append(0x0A)
    }

    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
    }

    static func decimal(_ value: Double, places: Int = 3) -> String {
        String(format: "%.\(places)f", value)
    }

    static func hex(_ value: UInt64) -> String {
        String(value, radix: 16)
    }

    static func timestamp(_ seconds: Double) -> String {
        let civil = CivilTime(epochSeconds: Int64(seconds.rounded(.down)))
        let milliseconds = Int((seconds - seconds.rounded(.down)) * 1000)
        // Digit by digit: `String(format:)` here was most of the cost of a simulated week.
        var text = String(civil.year)
        text.reserveCapacity(24)
        for (separator, value) in [
            ("-", civil.month), ("-", civil.day), ("T", civil.hour), (":", civil.minute), (":", civil.second),
        ] {
            text += separator
            text += CivilTime.twoDigits(value)
        }
        text += milliseconds < 10 ? ".00" : milliseconds < 100 ? ".0" : "."
        text += String(milliseconds)
        text += "Z"
        return text
    }
}
