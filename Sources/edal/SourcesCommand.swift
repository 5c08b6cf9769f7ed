import ArgumentParser
import EDALDetection
import EDALState
import EDALWorker
import Foundation

/// `edal sources`: the sources EDAL learnt, from the state store.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract:
            "List the sources EDAL knows (from the state store): template, producer, state, cadence, size baseline and last object."
    )

    @Option(help: "State store URI (default: EDAL_STATE_STORE_URI, else the local SQLite file).") var store: String?
    @Option(help: "Only sources of this bucket.") var bucket: String?
    @Flag(help: "One JSON object per source instead of a table.") var json = false
    @Option(
        name: .customLong("key"),
        help: "Show the source template of this key instead (repeat for several; EDAL_SOURCES applies).")
    var keys: [String] = []

    func run() async throws {
        if !keys.isEmpty {
            let patterns: [SourcePattern]
            do {
                patterns = try WorkerSettings.reading(["EDAL_SOURCES"]).sources
            } catch {
                throw ValidationError(error.description)
            }
            let templater = KeyTemplater(configured: patterns)
            for key in keys {
                let source = templater.sourceKey(for: key)
                print(key)
                print(
                    "  → \(source.template)  (\(source.producer ?? "learnt from the key")\(source.embeddedTime.map { ", key time \(ISO8601DateFormatter().string(from: $0))" } ?? ""))"
                )
            }
            return
        }
        var uri = store ?? ""
        if store == nil {
            do {
                uri = try WorkerSettings.reading(["EDAL_STATE_STORE_URI"]).storeURI
            } catch {
                throw ValidationError(error.description)
            }
        }
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
            for baseline in baselines { print(Self.jsonLine(SourceSummary(baseline))) }
            return
        }
        print("\(baselines.count) sources in \(stateStore.displayName)")
        for baseline in baselines {
            let source = SourceSummary(baseline)
            func seconds(_ value: Double?) -> String { value.map { String(format: "%.0f s", $0) } ?? "-" }
            let state =
                source.state == "silent"
                ? "silent since \(source.silentSince.map(Self.timestamp) ?? "?")" : source.state
            print("")
            print("\(source.bucket)/\(source.template)")
            print(
                "  producer \(source.producer ?? "learnt from keys"), \(state), \(source.objects) objects, "
                    + "cadence \(seconds(source.cadenceSeconds)), median size \(source.medianSize.map { String(format: "%.0f B", $0) } ?? "-"), "
                    + "median lag \(seconds(source.medianLagSeconds))")
            if let key = source.lastObjectKey, let at = source.lastObjectAt {
                print("  last object \(key) at \(Self.timestamp(at))")
            }
        }
    }

    private static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// One source as a JSON line (snake_case, as `edal sources --json` has always written it).
    static func jsonLine(_ source: SourceSummary) -> String {
        let object: [String: Any] = [
            "id": source.id, "bucket": source.bucket, "template": source.template,
            "producer": source.producer ?? NSNull(),
            "state": source.state, "objects": source.objects, "cadence_seconds": source.cadenceSeconds ?? NSNull(),
            "median_size": source.medianSize ?? NSNull(), "median_lag_seconds": source.medianLagSeconds ?? NSNull(),
            "last_key": source.lastObjectKey ?? NSNull(),
            "last_modified": source.lastObjectAt.map(timestamp) ?? NSNull(),
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
