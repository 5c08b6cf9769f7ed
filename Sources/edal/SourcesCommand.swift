import ArgumentParser
import EDALState
import EDALWorker
import EDALDetection
import Foundation

/// `edal sources`: the sources EDAL learnt, from the state store.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the sources EDAL knows (from the state store): template, producer, state, cadence, size baseline and last object."
    )

    @Option(help: "State store URI (default: EDAL_STATE_STORE_URI, else the local SQLite file).") var store: String?
    @Option(help: "Only sources of this bucket.") var bucket: String?
    @Flag(help: "One JSON object per source instead of a table.") var json = false
    @Option(name: .customLong("key"), help: "Show the source template of this key instead (repeat for several; EDAL_SOURCES applies).")
    var keys: [String] = []

    func run() async throws {
        if !keys.isEmpty {
            let patterns: [SourcePattern]
            do {
                patterns = try SourcePattern.parseList(ProcessInfo.processInfo.environment["EDAL_SOURCES"] ?? "")
            } catch {
                throw ValidationError("EDAL_SOURCES: \(error)")
            }
            let templater = KeyTemplater(configured: patterns)
            for key in keys {
                let source = templater.sourceKey(for: key)
                print(key)
                print("  → \(source.template)  (\(source.producer ?? "learnt from the key")\(source.embeddedTime.map { ", key time \(ISO8601DateFormatter().string(from: $0))" } ?? ""))")
            }
            return
        }
        let uri = store ?? StateStoreFactory.configuredURI()
        let stateStore: any StateStore
        do {
            stateStore = try await StateStoreFactory.open(uri: uri)
        } catch {
            throw ValidationError("cannot open the state store \(StateStoreFactory.redacted(uri)): \(error)")
        }
        let tracker = SourceTracker(registry: SourceRegistry(), store: stateStore)
        do {
            try await tracker.sync()
        } catch {
            await stateStore.close()
            throw ValidationError("cannot read sources from \(stateStore.displayName): \(error)")
        }
        await stateStore.close()
        let baselines = tracker.baselines.filter { bucket == nil || $0.bucket == bucket }
        if json {
            for baseline in baselines { print(SourceRow(baseline).jsonLine) }
            return
        }
        print("\(baselines.count) sources in \(stateStore.displayName)")
        for baseline in baselines {
            let row = SourceRow(baseline)
            print("")
            print("\(baseline.bucket)/\(baseline.template)")
            print("  producer \(baseline.producer ?? "learnt from keys"), \(row.state), \(baseline.objectCount) objects, "
                  + "cadence \(row.cadence), median size \(row.size), median lag \(row.lag)")
            if let last = baseline.lastObject {
                print("  last object \(last.key) at \(ISO8601DateFormatter().string(from: last.lastModified))")
            }
        }
    }
}

/// One source as `edal sources` shows it.
struct SourceRow {
    var baseline: SourceBaseline
    var profile: SourceProfile

    init(_ baseline: SourceBaseline) {
        self.baseline = baseline
        self.profile = SourceProfile(baseline, trainModel: false)
    }

    var state: String {
        baseline.state == .silent ? "silent since \(baseline.silentSince.map { ISO8601DateFormatter().string(from: $0) } ?? "?")" : baseline.state.rawValue
    }
    var cadence: String { profile.cadence.map { String(format: "%.0f s", $0) } ?? "-" }
    var size: String { profile.medianSize.map { String(format: "%.0f B", $0) } ?? "-" }
    var lag: String { profile.lag.map { String(format: "%.0f s", $0.median) } ?? "-" }

    var jsonLine: String {
        let object: [String: Any] = [
            "id": baseline.id, "bucket": baseline.bucket, "template": baseline.template, "producer": baseline.producer ?? NSNull(),
            "state": baseline.state.rawValue, "objects": baseline.objectCount, "cadence_seconds": profile.cadence ?? NSNull(),
            "median_size": profile.medianSize ?? NSNull(), "median_lag_seconds": profile.lag?.median ?? NSNull(),
            "last_key": baseline.lastObject?.key ?? NSNull(),
            "last_modified": baseline.lastObject.map { ISO8601DateFormatter().string(from: $0.lastModified) } ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
