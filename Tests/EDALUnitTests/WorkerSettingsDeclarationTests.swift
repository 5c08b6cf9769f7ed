import EDALTestSupport
import Foundation
import Testing

@testable import EDALWorker

@Suite("Worker settings, declared once")
struct WorkerSettingsDeclarationTests {
    @Test(
        "docs/configuration.md's worker table is the one the declarations generate (`edal config --markdown` prints it)"
    )
    func documentationMatchesDeclarations() throws {
        let document = try String(contentsOfFile: Repository.path("docs/configuration.md"), encoding: .utf8)
        let start = try #require(document.range(of: "<!-- worker settings:"), "the generated table's opening marker")
        let end = try #require(
            document.range(of: "<!-- end of worker settings -->"), "the generated table's closing marker")
        let afterMarker = try #require(document[start.upperBound...].firstIndex(of: "\n"))
        let table = document[document.index(after: afterMarker)..<end.lowerBound].trimmingCharacters(in: .newlines)
        #expect(
            table == WorkerSettings.markdownTable,
            "docs/configuration.md differs from the declarations: replace its table with `edal config --markdown`")
    }

    @Test("every EDAL_ variable the worker reads is declared once, and each declaration reads its variable")
    func everyVariableDeclaredOnce() throws {
        let names = WorkerSettings.declarations.map(\.variable)
        #expect(Set(names).count == names.count, "a variable declared twice")
        // Each declaration's default is what an empty environment gives, and its variable changes it.
        let defaults = try WorkerSettings.fromEnvironment([:])
        let samples: [String: String] = [
            "EDAL_QUEUE": "q2", "EDAL_STREAM": "s2", "EDAL_FALLBACK_QUEUE": "f2", "EDAL_RECEIVE_LOOPS": "7",
            "EDAL_MAX_IN_WORK": "77",
            "EDAL_VISIBILITY_TIMEOUT": "45", "EDAL_LEASE": "40", "EDAL_DEDUPE": "version", "EDAL_HEAD_CONCURRENCY": "8",
            "EDAL_SHUTDOWN_DEADLINE": "9", "EDAL_MODE": "continuous", "EDAL_SOURCES": "a=logs/*",
            "EDAL_MAX_SOURCES": "99",
            "EDAL_LEARNING_OBJECTS": "12", "EDAL_SILENCE_FACTOR": "4", "EDAL_SILENCE_MINIMUM_GAP": "30",
            "EDAL_SILENCE_CHECK_INTERVAL": "20", "EDAL_SOURCE_RETENTION": "600", "EDAL_SOURCE_SYNC_INTERVAL": "5",
            "EDAL_SCORE_THRESHOLD": "0.8", "EDAL_RULES": "size > 10", "EDAL_WATCH": "b/p",
            "EDAL_EXPECTED_BUCKET_OWNER": "123456789012",
            "EDAL_BUCKET_ROLES": "b=arn:aws:iam::123456789012:role/archive-reader",
            "EDAL_SIGNAL_METADATA": "service", "EDAL_CLAIM_RETENTION": "86400", "EDAL_ALLOWED_BUCKETS": "b",
            "EDAL_SWEEP_INTERVAL": "60",
            "EDAL_SWEEP_OVERLAP": "30", "EDAL_SWEEP_LOOKBACK": "120", "EDAL_SWEEP_PARTITIONS": "*/*/%Y/%m/%d/%H/",
            "EDAL_LOG_LEVEL": "DEBUG",
            "EDAL_AWS_REQUEST_TIMEOUT": "10", "EDAL_NIO_EXECUTOR": "0",
            "EDAL_LOG_FORMAT": "json", "EDAL_METRICS_ADDRESS": "127.0.0.1:9000",
            "EDAL_OPERATOR_ADDRESS": "off", "EDAL_OPERATOR_TOKEN": "0123456789abcdefXYZ", "EDAL_STALL_TIMEOUT": "60",
            "EDAL_STATE_STORE_URI": "sqlite:/tmp/other.db",
            "EDAL_S3_ADDRESSING_STYLE": "path",
        ]
        #expect(Set(samples.keys) == Set(names), "a sample for every declaration")
        for declaration in WorkerSettings.declarations {
            let sample = try #require(samples[declaration.variable])
            let changed = try WorkerSettings.fromEnvironment([declaration.variable: sample])
            #expect(changed != defaults, "\(declaration.variable)=\(sample) changes nothing")
            #expect(WorkerSettings.origins([declaration.variable: sample])[declaration.variable] == "environment")
            #expect(WorkerSettings.origins([:])[declaration.variable] == "default")
        }
        #expect(
            try WorkerSettings.fromEnvironment(["EDAL_WORKERS": "6"]).receiveLoops == 6, "the older name is still read")
        #expect(WorkerSettings.origins(["EDAL_WORKERS": "6"])["EDAL_RECEIVE_LOOPS"] == "environment (EDAL_WORKERS)")
        #expect(
            try WorkerSettings.fromEnvironment(["EDAL_METRICS_PORT": "9500"]).metricsAddress
                == ListenAddress(host: "0.0.0.0", port: 9500), "a bare port, under the older name")
    }

    @Test("listen addresses: HOST:PORT, [IPv6]:PORT, a bare PORT or off; anything else is refused by name")
    func listenAddresses() throws {
        #expect(ListenAddress(parsing: "127.0.0.1:9465") == ListenAddress(host: "127.0.0.1", port: 9465))
        #expect(ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(ListenAddress(parsing: "9464") == ListenAddress(host: "0.0.0.0", port: 9464))
        #expect(ListenAddress(parsing: "edal.internal:80")?.host == "edal.internal")
        for bad in ["", ":80", "host:", "host:70000", "::1:80", "[::1]80", "-1", "host:port"] {
            #expect(ListenAddress(parsing: bad) == nil, "\(bad)")
        }
        #expect(try WorkerSettings.fromEnvironment(["EDAL_OPERATOR_ADDRESS": "off"]).operatorAddress == nil)
        #expect(ListenAddress(parsing: "[::1]:9465")?.description == "[::1]:9465")
        #expect(throws: SettingsError.self) { try WorkerSettings.fromEnvironment(["EDAL_METRICS_ADDRESS": "nowhere"]) }
        #expect(throws: SettingsError.self) { try WorkerSettings.fromEnvironment(["EDAL_OPERATOR_TOKEN": "short"]) }
        let defaults = WorkerSettings()
        #expect(defaults.metricsAddress?.description == "0.0.0.0:9464")
        #expect(
            defaults.operatorAddress?.description == "127.0.0.1:9465" && defaults.operatorAddress?.isLoopback == true)
    }

    @Test(
        "no EDAL_ variable is read outside the declarations: every one the sources name is declared (or is an older name)"
    )
    func noVariableOutsideTheDeclarations() throws {
        let declared = Set(WorkerSettings.declarations.flatMap { [$0.variable] + ($0.formerName.map { [$0] } ?? []) })
        var named: [String: String] = [:]
        // The product's modules and command line; the evaluation tool and the benchmarks have
        // their own switches (`EDAL_EVALUATE_DEBUG`) and set variables for the processes they start.
        for module in ["EDALAWS", "EDALState", "EDALDetection", "EDALWorker", "edal"] {
            let root = Repository.path("Sources/\(module)")
            let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }.filter {
                $0.hasSuffix(".swift")
            }
            for file in files {
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                for match in text.matches(of: /"(EDAL_[A-Z0-9_]+)"/) { named[String(match.1)] = "\(module)/\(file)" }
            }
        }
        let undeclared = named.filter { !declared.contains($0.key) }
        #expect(undeclared.isEmpty, "read outside WorkerSettings.declarations: \(undeclared)")
        #expect(named.count >= 30, "the scan found the variables (\(named.count))")
    }

    @Test("a bad value is refused naming its variable and what would do")
    func badValues() {
        for (variable, text) in [
            ("EDAL_LOG_LEVEL", "loud"), ("EDAL_NIO_EXECUTOR", "yes"),
            ("EDAL_BUCKET_ROLES", "b=role/reader"),
            ("EDAL_RECEIVE_LOOPS", "0"), ("EDAL_SILENCE_FACTOR", "0.5"),
        ] {
            #expect(throws: SettingsError.self, "\(variable)=\(text)") {
                try WorkerSettings.fromEnvironment([variable: text])
            }
            do {
                _ = try WorkerSettings.fromEnvironment([variable: text])
            } catch {
                #expect(error.setting == variable && error.problem.contains(text), "\(error)")
            }
        }
    }
}
