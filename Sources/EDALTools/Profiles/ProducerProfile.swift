import EDALAWS
import EDALDetection
import Foundation

/// The producers `edal generate --profile` and `edal evaluate --profile` imitate: key layouts as
/// documented, sizes, cadences, delivery lags, encodings, encryption and writers as such producers
/// deliver them (values chosen to be plausible, not measured from real buckets).
public enum ProducerProfile: String, Sendable, Codable, CaseIterable {
    case cloudtrail
    case alb
    case vpcflow
    case firehose
    case otel
    /// The MELT generator's objects with summary metadata, each kind and service a source on a schedule.
    case melt

    static let regions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
    /// The first five write from the start; the others are the new sources of the measured day.
    static let meltServices = [
        "checkout", "payments", "search", "inventory", "auth", "shipping", "billing", "catalog", "pricing", "reviews",
    ]

    /// How the `index`th source of this profile delivers.
    func source(_ index: Int, seed: UInt64) -> SourceSpec {
        var random = SeededRandom(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index) &+ 17)
        let account = String(111_122_220_000 + index / Self.regions.count)
        let region = Self.regions[index % Self.regions.count]
        let kms = "arn:aws:kms:\(region):\(account):key/\(Self.uuid(&random))"
        switch self {
        case .cloudtrail:
            return SourceSpec(
                name: "cloudtrail/\(account)/\(region)", cadence: 300, jitter: 40, nodes: 1,
                medianSize: random.logNormal(median: 60_000, sigma: 0.8), sizeSigma: 0.6, lag: 5...55, alignKeyTime: 60,
                contentType: "application/json", contentEncoding: "gzip", encryption: "aws:kms", kmsKey: kms,
                writer: "AWS:AROA4CLOUDTRAILDELIVERY:regionalDeliverySession", sourceIP: "cloudtrail.amazonaws.com",
                key: { time, random in
                    "AWSLogs/\(account)/CloudTrail/\(region)/\(Self.format(time, "%Y/%m/%d"))/\(account)_CloudTrail_\(region)_\(Self.format(time, "%Y%m%dT%H%MZ"))_\(Self.token(&random, 16, Self.alphanumeric)).json.gz"
                })
        case .alb:
            let name = "app.lb-\(index).\(Self.token(&random, 16, Self.hex))"
            return SourceSpec(
                name: "alb/\(name)", cadence: 300, jitter: 0, nodes: 2,
                medianSize: random.logNormal(median: 200_000, sigma: 0.7), sizeSigma: 0.5, lag: 10...240,
                alignKeyTime: 300,
                contentType: "application/octet-stream", contentEncoding: nil, encryption: "AES256", kmsKey: nil,
                writer: "AWS:AROA4ELBLOGDELIVERY:elb-delivery",
                sourceIP: "52.94.\(random.int(in: 0..<256)).\(random.int(in: 0..<256))",
                key: { time, random in
                    "AWSLogs/\(account)/elasticloadbalancing/\(region)/\(Self.format(time, "%Y/%m/%d"))/\(account)_elasticloadbalancing_\(region)_\(name)_\(Self.format(time, "%Y%m%dT%H%MZ"))_10.0.\(random.int(in: 0..<4)).\(random.int(in: 1..<250))_\(Self.token(&random, 8, Self.lowerAlphanumeric)).log.gz"
                })
        case .vpcflow:
            let flowLog = "fl-\(Self.token(&random, 17, Self.hex))"
            return SourceSpec(
                name: "vpcflow/\(flowLog)", cadence: 600, jitter: 60, nodes: 1,
                medianSize: random.logNormal(median: 400_000, sigma: 0.7), sizeSigma: 0.5, lag: 60...540,
                alignKeyTime: 60,
                contentType: "application/octet-stream", contentEncoding: nil, encryption: "aws:kms", kmsKey: kms,
                writer: "AWS:AROA4VPCFLOWLOGS:delivery", sourceIP: "delivery.logs.amazonaws.com",
                key: { time, random in
                    "AWSLogs/\(account)/vpcflowlogs/\(region)/\(Self.format(time, "%Y/%m/%d"))/\(account)_vpcflowlogs_\(region)_\(flowLog)_\(Self.format(time, "%Y%m%dT%H%MZ"))_\(Self.token(&random, 8, Self.hex)).log.gz"
                })
        case .firehose:
            let stream = "telemetry-stream-\(index)"
            return SourceSpec(
                name: "firehose/\(stream)", cadence: 300, jitter: 20, nodes: 1,
                medianSize: random.logNormal(median: 2_000_000, sigma: 0.6), sizeSigma: 0.3, lag: 0...2,
                alignKeyTime: 1,
                contentType: "application/octet-stream", contentEncoding: nil, encryption: "AES256", kmsKey: nil,
                writer: "AWS:AROA4FIREHOSEROLE:firehose-delivery", sourceIP: "firehose.amazonaws.com",
                key: { time, random in
                    "\(Self.format(time, "%Y/%m/%d/%H"))/\(stream)-1-\(Self.format(time, "%Y-%m-%d-%H-%M-%S"))-\(Self.uuid(&random)).gz"
                })
        case .otel:
            let service = "svc-\(index / 3)"
            let signal = ["metrics", "logs", "traces"][index % 3]
            return SourceSpec(
                name: "otel/\(service)/\(signal)", cadence: 300, jitter: 15, nodes: 1,
                medianSize: random.logNormal(median: 50_000, sigma: 0.7), sizeSigma: 0.4, lag: 0...30, alignKeyTime: 60,
                contentType: "application/json", contentEncoding: "gzip", encryption: "aws:kms", kmsKey: kms,
                writer: "AWS:AROA4OTELCOLLECTOR:i-0\(Self.token(&random, 16, Self.hex))",
                sourceIP: "10.20.\(random.int(in: 0..<256)).\(random.int(in: 1..<255))",
                key: { time, random in
                    "otel/\(service)/year=\(Self.format(time, "%Y"))/month=\(Self.format(time, "%m"))/day=\(Self.format(time, "%d"))/hour=\(Self.format(time, "%H"))/minute=\(Self.format(time, "%M"))/\(signal)_\(random.int(in: 100_000_000..<999_999_999)).json.gz"
                })
        case .melt:
            let kind = TelemetryKind.allCases[index % TelemetryKind.allCases.count]
            let service = index / TelemetryKind.allCases.count
            return SourceSpec(
                name: "melt/\(kind.rawValue)/\(Self.meltServices[service % Self.meltServices.count])", cadence: 300,
                jitter: 20, nodes: 1,
                medianSize: 0, sizeSigma: 0, lag: 0...5, alignKeyTime: 1,
                contentType: "application/x-ndjson", contentEncoding: nil, encryption: "AES256", kmsKey: nil,
                writer: "AWS:AROA4SHIPPER:fluent-bit",
                sourceIP: "10.30.\(random.int(in: 0..<256)).\(random.int(in: 1..<255))",
                key: { _, _ in "" }, melt: (kind, service))
        }
    }

    /// How many sources the profile's producers write by default.
    var defaultSources: Int { 20 }

    // MARK: Text helpers

    static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    static let lowerAlphanumeric = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    static let hex = Array("0123456789abcdef")

    static func token(_ random: inout SeededRandom, _ count: Int, _ alphabet: [Character]) -> String {
        String((0..<count).map { _ in alphabet[random.int(in: 0..<alphabet.count)] })
    }

    static func uuid(_ random: inout SeededRandom) -> String {
        [8, 4, 4, 4, 12].map { token(&random, $0, hex) }.joined(separator: "-")
    }

    /// `%Y %m %d %H %M %S` of `time` in UTC.
    static func format(_ time: Date, _ pattern: String) -> String {
        let civil = CivilTime(epochSeconds: Int64(time.timeIntervalSince1970.rounded(.down)))
        var result = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%", let code = characters.next() else {
                result.append(character)
                continue
            }
            switch code {
            case "Y": result += String(civil.year)
            case "m": result += CivilTime.twoDigits(civil.month)
            case "d": result += CivilTime.twoDigits(civil.day)
            case "H": result += CivilTime.twoDigits(civil.hour)
            case "M": result += CivilTime.twoDigits(civil.minute)
            case "S": result += CivilTime.twoDigits(civil.second)
            default: result += "%" + String(code)
            }
        }
        return result
    }
}

/// How one source of a profile delivers.
struct SourceSpec: Sendable {
    var name: String
    /// Seconds between deliveries, ± `jitter`; `nodes` objects per delivery (ALB nodes).
    var cadence: TimeInterval
    var jitter: TimeInterval
    var nodes: Int
    var medianSize: Double
    var sizeSigma: Double
    /// Seconds between the key's time and LastModified.
    var lag: ClosedRange<Double>
    /// The key's time is LastModified minus the lag, rounded down to this many seconds.
    var alignKeyTime: TimeInterval
    var contentType: String?
    var contentEncoding: String?
    var encryption: String?
    var kmsKey: String?
    var writer: String
    var sourceIP: String
    var key: @Sendable (Date, inout SeededRandom) -> String
    var melt: (kind: TelemetryKind, service: Int)?
}
