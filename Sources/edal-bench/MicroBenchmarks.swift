import EDALAWS
// Micro-benchmarks of EDAL's hot paths: signing, event parsing, source templates, detection, training, scoring.
import EDALDetection
import EDALTools
import EDALWorker
import Foundation

/// Runs `body` `iterations` times after a warm-up and returns the mean seconds per iteration.
func measure(iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<max(1, iterations / 10) { try body() }
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<iterations { try body() }
    let elapsed = clock.now - started
    let (seconds, attoseconds) = elapsed.components
    return (Double(seconds) + Double(attoseconds) / 1e18) / Double(iterations)
}

/// Runs every micro-benchmark; answers (name, seconds per operation).
func microBenchmarks() throws -> [(name: String, seconds: Double)] {
    var rows: [(name: String, seconds: Double)] = []

    // IsolationForest: 100 trees on ψ = 256 out of 2,000 rows of 6 features.
    var random = SeededRandom(seed: 1)
    let training = (0..<2_000).map { _ in (0..<6).map { _ in random.normal() } }
    var forest: IsolationForest?
    let trainSeconds = try measure(iterations: 20) {
        forest = try IsolationForest.train(training, parameters: .init(seed: 3))
    }
    rows.append(("IsolationForest training, 100 trees × ψ 256, 6 features", trainSeconds))
    if let forest {
        var sink = 0.0
        let probes = (0..<1_000).map { _ in (0..<6).map { _ in random.normal(deviation: 2) } }
        let scoreSeconds = measure(iterations: 200) { for probe in probes { sink += forest.score(probe) } } / 1_000
        rows.append(("IsolationForest score per object", scoreSeconds))
        if sink.isNaN { print("") }
    }

    // The operator page with 1,000 sources (32 objects each) and 10,000 signals: snapshot and HTML,
    // what `/` costs per load (issue 17's bound: under 100 ms).
    do {
        var registry = SourceRegistry()
        var events: [SourceEvent] = []
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        for step in 0..<32 {
            for source in 0..<1_000 {
                let time = start.addingTimeInterval(Double(step * 300 + source % 300))
                let key = String(
                    format:
                        "AWSLogs/%012d/CloudTrail/us-east-1/2026/11/18/%012d_CloudTrail_us-east-1_20261118T%02d%02dZ_k%06d.json.gz",
                    source, source, step / 12, step % 12 * 5, step * 1_000 + source)
                events +=
                    registry.observe(
                        ObjectObservation(
                            bucket: "trail", key: key, eTag: "e\(step)-\(source)", size: Int64(40_000 + step * 10),
                            lastModified: time, contentType: "application/json", serverSideEncryption: "AES256",
                            metadata: [:], writer: "AWS:AROA1:delivery", sourceIP: "cloudtrail.amazonaws.com")
                    ).events
            }
        }
        let signals = (0..<10_000).map {
            SignalBuilder.sourceSignal(
                events[$0 % events.count], via: "bench", mode: .anomalies, producer: "edal-bench")
        }
        let baselines = registry.baselines
        var bytes = 0
        let pageSeconds = measure(iterations: 10) {
            let snapshot = OperatorSnapshot(
                generatedAt: Date(), replica: "bench", baselines: baselines, signals: signals, counts: WorkerCounts(),
                levels: .init(), dependencies: [])
            bytes = OperatorPage.html(snapshot).utf8.count
        }
        rows.append(("Operator page, 1,000 sources and 10,000 signals (\(bytes / 1_024) KiB of HTML)", pageSeconds))
    }

    // The whole detection of one object: source template, checks against its baseline, learning.
    for profile in [ProducerProfile.cloudtrail, .melt] {
        let scenario = ProducerScenario(profile: profile, seed: 2, warmUp: 43_200, day: 43_200, incidentsPerKind: 0)
        let objects = scenario.generate().objects.map(\.observation)
        var flagged = 0
        let detectSeconds =
            measure(iterations: 3) {
                var registry = SourceRegistry()
                for object in objects where registry.observe(object).anomalous { flagged += 1 }
            } / Double(objects.count)
        rows.append(
            ("Detection per object, \(profile.rawValue), first day (template, checks, learning)", detectSeconds))
        // A fleet that has run for days: sources past learning, forests retrained as windows turn over.
        let steady = ProducerScenario(profile: profile, seed: 2, warmUp: 3 * 86_400, day: 86_400, incidentsPerKind: 0)
        let all = steady.generate().objects.map(\.observation)
        var warmed = SourceRegistry()
        let cut = all.firstIndex { $0.lastModified >= steady.measuredFrom } ?? all.endIndex
        for object in all[..<cut] { _ = warmed.observe(object) }
        let measured = Array(all[cut...])
        let steadySeconds =
            measure(iterations: 3) {
                var registry = warmed
                for object in measured where registry.observe(object).anomalous { flagged += 1 }
            } / Double(max(1, measured.count))
        rows.append(("Detection per object, \(profile.rawValue), after 3 days", steadySeconds))
    }
    // What a sync writes per changed source: one baseline as the store keeps it.
    var meltRegistry = SourceRegistry()
    for object in ProducerScenario(profile: .melt, seed: 4, warmUp: 43_200, day: 43_200, incidentsPerKind: 0).generate()
        .objects
    {
        _ = meltRegistry.observe(object.observation)
    }
    if let baseline = meltRegistry.baselines.max(by: { $0.recent.count < $1.recent.count }) {
        var bytes = 0
        let encodeSeconds = try measure(iterations: 50) { bytes = try JSONEncoder().encode(baseline).count }
        rows.append(
            (
                "Encoding one source baseline for the store (\(baseline.recent.count) arrivals, \(bytes / 1024) KiB)",
                encodeSeconds
            ))
        var built = 0
        let profileSeconds = measure(iterations: 50) { built += SourceProfile(baseline, trainModel: false).recentCount }
        rows.append(("Source profile refresh, statistics only (MELT source)", profileSeconds))
        let modelSeconds = measure(iterations: 20) { built += SourceProfile(baseline, trainModel: true).recentCount }
        rows.append(("Source profile refresh with its forest (MELT source)", modelSeconds))
    }
    let templater = KeyTemplater()
    let keys = ProducerScenario(profile: .alb, seed: 3, warmUp: 3600, day: 3600, incidentsPerKind: 0).generate().objects
        .map(\.observation.key)
    var templates = 0
    let templateSeconds =
        measure(iterations: 20) { for key in keys { templates += templater.sourceKey(for: key).template.utf8.count } }
        / Double(keys.count)
    rows.append(("Source template of one key (ALB)", templateSeconds))

    rows += try signingAndParsing()
    return rows
}

/// SigV4 signing of a typical HEAD, and parsing a typical S3 notification body.
func signingAndParsing() throws -> [(name: String, seconds: Double)] {
    let signer = SigV4Signer(service: "s3", region: "us-east-1")
    let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let request = SigV4Request(
        method: "HEAD", host: "telemetry.s3.us-east-1.amazonaws.com",
        path: "/logs/checkout/2026/11/25/14/checkout-00000001.jsonl", query: [], headers: [], body: [])
    var signed = 0
    let signSeconds = measure(iterations: 20_000) { signed += signer.sign(request, credentials: credentials).count }
    let body = """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-25T14:08:55.123Z",\
        "eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},"requestParameters":{"sourceIPAddress":"10.0.0.1"},\
        "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},\
        "s3":{"s3SchemaVersion":"1.0","configurationId":"edal-object-created","bucket":{"name":"telemetry","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},\
        "arn":"arn:aws:s3:::telemetry"},"object":{"key":"logs/checkout/2026/11/25/14/checkout-00000001.jsonl","size":102400,\
        "eTag":"0cc175b9c0f1b6a831c399e269772661","sequencer":"0055AED6DCD90281E5"}}}]}
        """
    var parsed = 0
    let parseSeconds = try measure(iterations: 20_000) { parsed += try NotificationParser.parse(body).objects.count }
    return [("SigV4 signing of a HEAD request", signSeconds), ("S3 notification parsing per message", parseSeconds)]
}
