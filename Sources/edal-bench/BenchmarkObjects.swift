import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The objects the benchmark backend pretends to hold: a bucket laid out as CloudTrail delivers to
/// it (5 accounts × 4 regions = 20 sources, one object per source every 5 minutes, ending now), with
/// sizes that swing per object and one object in 1,000 forty times its source's usual size. Every
/// attribute is a pure function of the object's index, so nothing but the keys is stored.
struct BenchmarkObjects: Sendable {
    let bucket: String
    let count: Int
    /// The keys, by index, and the index of each key (what a `HEAD` looks up).
    let keys: [String]
    let indexByKey: [String: Int]
    /// Epoch seconds of the first delivery window.
    let start: Int

    static let accounts = ["111122223333", "444455556666", "777788889999", "123456789012", "210987654321"]
    static let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
    static var sources: Int { accounts.count * regions.count }
    static let cadenceSeconds = 300

    init(bucket: String, count: Int, now: Int = Int(Date().timeIntervalSince1970)) {
        self.bucket = bucket
        self.count = count
        let windows = (count + Self.sources - 1) / Self.sources
        start = (now - windows * Self.cadenceSeconds - 600) / 60 * 60
        var keys: [String] = []
        keys.reserveCapacity(count)
        var indexByKey: [String: Int] = [:]
        indexByKey.reserveCapacity(count)
        for index in 0..<count {
            let key = Self.key(index: index, start: start)
            keys.append(key)
            indexByKey[key] = index
        }
        self.keys = keys
        self.indexByKey = indexByKey
    }

    private static func key(index: Int, start: Int) -> String {
        let source = index % sources
        let account = accounts[source % accounts.count]
        let region = regions[source / accounts.count]
        let window = civil(start + (index / sources) * cadenceSeconds)
        let day = "\(window.year)/\(pad(window.month))/\(pad(window.day))"
        let stamp = "\(window.year)\(pad(window.month))\(pad(window.day))T\(pad(window.hour))\(pad(window.minute))Z"
        return
            "AWSLogs/\(account)/CloudTrail/\(region)/\(day)/\(account)_CloudTrail_\(region)_\(stamp)_\(token(index)).json.gz"
    }

    /// The object's size: its source's usual size, ×0.6–1.6 per object, ×40 for one object in 1,000.
    func size(_ index: Int) -> Int {
        let usual = 6_000 + 3_000 * (index % Self.sources % 7)
        let swing = 0.6 + Double(Self.mix(UInt64(index) &+ 1) % 1_000) / 1_000
        return Int(Double(usual) * swing) * (index % 1_000 == 999 ? 40 : 1)
    }

    func eTag(_ index: Int) -> String {
        String(format: "%016llx%016llx", Self.mix(UInt64(index) &* 2 &+ 11), Self.mix(UInt64(index) &* 2 &+ 12))
    }

    /// Epoch seconds at which CloudTrail wrote the object: 2–8 minutes after its window.
    func lastModified(_ index: Int) -> Int {
        start + (index / Self.sources) * Self.cadenceSeconds + 120 + Int(Self.mix(UInt64(index) &+ 99) % 360)
    }

    func sequencer(_ index: Int) -> String {
        String(format: "%016llX", UInt64(lastModified(index)) << 20 | UInt64(index & 0xFFFFF))
    }

    /// The S3 event notification S3 would send for the object (JSON, as SQS carries it).
    func notification(_ index: Int) -> String {
        let written = civil(lastModified(index))
        let time =
            "\(written.year)-\(Self.pad(written.month))-\(Self.pad(written.day))T\(Self.pad(written.hour)):\(Self.pad(written.minute)):\(Self.pad(written.second)).000Z"
        return
            #"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"\#(time)","#
            + #""eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AROAEXAMPLEDELIVERY:regional-delivery"},"#
            + #""requestParameters":{"sourceIPAddress":"10.0.0.1"},"responseElements":{"x-amz-request-id":"BENCH","x-amz-id-2":"BENCH"},"#
            + #""s3":{"s3SchemaVersion":"1.0","configurationId":"edal-object-created","bucket":{"name":"\#(bucket)","#
            + #""ownerIdentity":{"principalId":"A3EXAMPLEOWNER"},"arn":"arn:aws:s3:::\#(bucket)"},"#
            + #""object":{"key":"\#(keys[index])","size":\#(size(index)),"eTag":"\#(eTag(index))","sequencer":"\#(sequencer(index))"}}}]}"#
    }

    /// `Last-Modified` as S3 writes it (RFC 1123).
    func httpDate(_ epochSeconds: Int) -> String {
        let time = civil(epochSeconds)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[(epochSeconds / 86_400) % 7]
        return
            "\(weekday), \(Self.pad(time.day)) \(months[time.month - 1]) \(time.year) \(Self.pad(time.hour)):\(Self.pad(time.minute)):\(Self.pad(time.second)) GMT"
    }

    private func civil(_ epochSeconds: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        Self.civil(epochSeconds)
    }

    private static func civil(_ epochSeconds: Int) -> (
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    ) {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return (
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
            Int(parts.tm_sec)
        )
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// CloudTrail's 16-character random suffix, drawn from the index.
    private static func token(_ index: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var state = mix(UInt64(index) &+ 0x5EED)
        var token = ""
        for _ in 0..<16 {
            token.append(alphabet[Int(state % 62)])
            state = mix(state)
        }
        return token
    }

    /// SplitMix64's finaliser: a well-spread 64-bit value from any input.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
