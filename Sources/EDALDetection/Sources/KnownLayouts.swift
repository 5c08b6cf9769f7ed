/// The documented key layouts of AWS log deliveries and common shippers.
///
/// Each recogniser names the producer and pins what the general heuristics could misread: the
/// random suffix that happens to look like a word (ELB's `2soosksi`), the ids that look random but
/// name the source (a VPC flow log id, a load balancer id, a CloudFront distribution, an
/// organization id). Formats, as AWS and the shippers document them:
///
/// - AWS deliveries under `AWSLogs/[o-org/]<account>/<service>/…` whose file name is
///   `<account>_<service>_<region>_…_<time>_<random>.<ext>`: CloudTrail (and `CloudTrail-Digest`,
///   `CloudTrail-Insight`, organization trails), ELB (`_app.` ALB, `_net.` NLB, else Classic),
///   VPC Flow Logs, AWS Config, WAF, Route 53 Resolver query logs, Network Firewall.
/// - CloudFront standard logs: `<distribution>.YYYY-MM-DD-HH.<unique>.gz`.
/// - S3 server access logs: `YYYY-MM-DD-hh-mm-ss-<unique>` (simple or date-partitioned prefix).
/// - Firehose's default prefix: `YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>[.ext]`.
/// - OpenTelemetry Collector `awss3exporter`: `year=/month=/day=/hour=/minute=` then
///   `<metrics|logs|traces>_<random>.<json|binpb>[.gz]`.
/// - Fluent Bit `s3` output: a name ending in `-object<8 random>`.
/// - Vector `aws_s3` sink: `date=YYYY-MM-DD/<epoch>-<uuid>.log[.gz]`.
/// - Logstash `s3` output: `ls.s3.<uuid>.<YYYY-MM-DDTHH.mm>.part<N>.txt`.
enum KnownLayouts {
    static func hints(for key: [UInt8]) -> LayoutHints {
        let segments = split(key, UInt8(ascii: "/"))
        guard let fileRange = segments.last else { return LayoutHints() }
        let file = Array(key[fileRange])
        if let hints = awsLogs(key, segments: segments, file: fileRange) { return hints }
        if let hints = cloudFront(file, offset: fileRange.lowerBound) { return hints }
        if isAccessLogName(file) {
            return LayoutHints(producer: "s3-access", random: [fileRange.lowerBound + 20..<fileRange.upperBound])
        }
        if file.starts(with: Array("ls.s3.".utf8)) { return LayoutHints(producer: "logstash") }
        if let hints = fluentBit(file, offset: fileRange.lowerBound) { return hints }
        if let hints = otelCollector(key, segments: segments, file: file, offset: fileRange.lowerBound) { return hints }
        if isFirehoseName(file) { return LayoutHints(producer: "firehose") }
        if segments.count >= 2, key[segments[segments.count - 2]].starts(with: Array("date=".utf8)), isVectorName(file)
        {
            return LayoutHints(producer: "vector")
        }
        return LayoutHints()
    }

    static let awsServices: [String: String] = [
        "CloudTrail": "cloudtrail", "CloudTrail-Digest": "cloudtrail-digest",
        "CloudTrail-Insight": "cloudtrail-insight",
        "elasticloadbalancing": "elb", "vpcflowlogs": "vpcflowlogs", "Config": "config", "WAFLogs": "waf",
        "vpcdnsquerylogs": "route53-resolver", "network-firewall": "network-firewall",
    ]

    /// `AWSLogs/[o-org/]<account>/<service>/…`.
    private static func awsLogs(_ key: [UInt8], segments: [Range<Int>], file: Range<Int>) -> LayoutHints? {
        guard let marker = segments.firstIndex(where: { key[$0].elementsEqual("AWSLogs".utf8) }) else { return nil }
        var hints = LayoutHints(producer: "aws")
        var next = marker + 1
        if next < segments.count, key[segments[next]].starts(with: Array("o-".utf8)) {
            hints.keep.append(segments[next])
            next += 1
        }
        // The account id (twelve digits, which can parse as a `yyyyMMddHHmm`) names the source.
        if next < segments.count { hints.keep.append(segments[next]) }
        if next + 1 < segments.count {
            var service = String(decoding: key[segments[next + 1]], as: UTF8.self)
            // Hive-compatible deliveries spell the segments `aws-account-id=…/aws-service=…`.
            if service.hasPrefix("aws-service=") { service.removeFirst("aws-service=".count) }
            hints.producer = awsServices[service] ?? "aws-\(service.lowercased())"
        }
        // The file name's `_` fields: the last is random; the ones naming the source stay.
        let fields = split(Array(key[file]), UInt8(ascii: "_")).map {
            ($0.lowerBound + file.lowerBound)..<($0.upperBound + file.lowerBound)
        }
        guard fields.count >= 3 else { return hints }
        if let first = fields.first, first.count == 12 { hints.keep.append(first) }
        // Digest files end in their end time and have no random part.
        if hints.producer != "cloudtrail-digest", let last = fields.last {
            let dot = key[last].firstIndex(of: UInt8(ascii: ".")) ?? last.upperBound
            if dot > last.lowerBound { hints.random.append(last.lowerBound..<dot) }
        }
        if hints.producer == "elb" {
            for field in fields {
                if key[field].starts(with: Array("app.".utf8)) {
                    hints.producer = "alb"
                    hints.keep.append(field)
                }
                if key[field].starts(with: Array("net.".utf8)) {
                    hints.producer = "nlb"
                    hints.keep.append(field)
                }
            }
        }
        if hints.producer == "vpcflowlogs", fields.count > 3 { hints.keep.append(fields[3]) }
        // Classic ELB: `<account>_elasticloadbalancing_<region>_<name>_…`: the name stays.
        if hints.producer == "elb", fields.count > 3 { hints.keep.append(fields[3]) }
        return hints
    }

    /// `<distribution>.YYYY-MM-DD-HH.<unique>.gz`.
    private static func cloudFront(_ file: [UInt8], offset: Int) -> LayoutHints? {
        let parts = split(file, UInt8(ascii: "."))
        guard parts.count == 4, file[parts[3]].elementsEqual("gz".utf8), parts[1].count == 13,
            (8...16).contains(parts[0].count),
            file[parts[0]].allSatisfy({ KeyTokens.isDigit($0) || ($0 >= 0x41 && $0 <= 0x5A) })
        else { return nil }
        return LayoutHints(
            producer: "cloudfront", keep: [(parts[0].lowerBound + offset)..<(parts[0].upperBound + offset)],
            random: [(parts[2].lowerBound + offset)..<(parts[2].upperBound + offset)])
    }

    /// `YYYY-MM-DD-hh-mm-ss-` followed by a unique string of upper-case letters and digits.
    private static func isAccessLogName(_ file: [UInt8]) -> Bool {
        guard file.count >= 24 else { return false }
        for (offset, byte) in file.prefix(20).enumerated() {
            if [4, 7, 10, 13, 16, 19].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard KeyTokens.isDigit(byte) else { return false }
            }
        }
        return file[20...].allSatisfy { KeyTokens.isDigit($0) || ($0 >= 0x41 && $0 <= 0x5A) }
    }

    /// A name ending in `-object` and eight random letters or digits (before any extension).
    private static func fluentBit(_ file: [UInt8], offset: Int) -> LayoutHints? {
        let marker = Array("-object".utf8)
        guard file.count >= marker.count + 8 else { return nil }
        var index = file.count - marker.count - 8
        while index >= 0 {
            if file[index..<index + marker.count].elementsEqual(marker) {
                let start = index + marker.count
                let end = start + 8
                guard file[start..<end].allSatisfy(KeyTokens.isAlphanumeric),
                    end == file.count || file[end] == UInt8(ascii: ".")
                else { return nil }
                return LayoutHints(producer: "fluent-bit", random: [(start + offset)..<(end + offset)])
            }
            index -= 1
        }
        return nil
    }

    /// `…/year=YYYY/…/<metrics|logs|traces>_<random>.<ext>`.
    private static func otelCollector(_ key: [UInt8], segments: [Range<Int>], file: [UInt8], offset: Int)
        -> LayoutHints?
    {
        guard segments.contains(where: { key[$0].starts(with: Array("year=".utf8)) }) else { return nil }
        for signal in ["metrics_", "logs_", "traces_"] where file.starts(with: Array(signal.utf8)) {
            let start = signal.utf8.count
            let end = file[start...].firstIndex(of: UInt8(ascii: ".")) ?? file.count
            return LayoutHints(
                producer: "otel-collector", random: end > start ? [(start + offset)..<(end + offset)] : [])
        }
        return nil
    }

    /// `<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>`.
    private static func isFirehoseName(_ file: [UInt8]) -> Bool {
        // The 36-byte UUID, preceded by 20 bytes of time and a dash.
        let dot = file.firstIndex(of: UInt8(ascii: ".")).map { $0 } ?? file.count
        guard dot >= 36 + 21 + 2 else { return false }
        let uuidStart = dot - 36
        guard file[uuidStart - 1] == UInt8(ascii: "-") else { return false }
        let timeStart = uuidStart - 20
        for offset in 0..<19 {
            let byte = file[timeStart + offset]
            if [4, 7, 10, 13, 16].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard KeyTokens.isDigit(byte) else { return false }
            }
        }
        return file[timeStart - 1] == UInt8(ascii: "-") && KeyTokens.isDigit(file[timeStart - 2])
    }

    /// `<epoch seconds>-<uuid>[.ext]`.
    private static func isVectorName(_ file: [UInt8]) -> Bool {
        file.count >= 10 + 1 + 36 && file.prefix(10).allSatisfy(KeyTokens.isDigit) && file[10] == UInt8(ascii: "-")
    }

    static func split(_ bytes: [UInt8], _ separator: UInt8) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == separator {
            ranges.append(start..<index)
            start = index + 1
        }
        ranges.append(start..<bytes.count)
        return ranges
    }
}
