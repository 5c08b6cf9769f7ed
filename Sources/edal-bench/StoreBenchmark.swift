import EDALState
import Foundation

/// Claims and completes `objects` objects in a SQLite store, `batch` per transaction as the worker
/// does (one receive's claims, then their completions), pruning expired claims as `edal run` does
/// when a retention is given; prints, every tenth of the run, the time per batch, the file's size
/// and what pruning removed and cost.
struct StoreBenchmark {
    struct Sample: Codable {
        var objects: Int
        var millisecondsPerBatch: Double
        var fileMegabytes: Double
        var claimsHeld: Int
        var pruned: Int
        var pruneMilliseconds: Double
    }

    struct Result: Codable {
        var objects: Int
        var batch: Int
        var retentionSeconds: Int?
        var samples: [Sample]
        var bytesPerClaim: Double
        var roundTripsPerObject: Double
        var seconds: Double
    }

    var objects: Int
    var batch: Int
    var retention: Duration?
    var path: String
    /// Pruning runs after every this many objects (as a periodic task would).
    var pruneEvery: Int

    func run() async throws -> Result {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try await SQLiteStateStore.open(path: path, claimRetention: retention)
        let sampleEvery = max(batch, objects / 10)
        var samples: [Sample] = []
        var windowStart = ContinuousClock.now
        var windowBatches = 0
        var pruned = 0
        var pruneTime = Duration.zero
        var held = 0
        let started = ContinuousClock.now
        var done = 0
        while done < objects {
            let count = min(batch, objects - done)
            let requests = (done..<done + count).map(Self.request)
            let outcomes = try await store.claim(requests, owner: "bench:1", lease: .seconds(30))
            let completions = outcomes.compactMap(\.ticket).map { ClaimCompletion(ticket: $0, outcome: .notAnomalous) }
            _ = try await store.complete(completions)
            held += completions.count
            done += count
            windowBatches += 1
            if retention != nil, done % pruneEvery < batch {
                let pruneStarted = ContinuousClock.now
                var removed = 0
                repeat {
                    removed = try await store.pruneExpiredClaims(now: Date(), limit: 10_000)
                    pruned += removed
                    held -= removed
                } while removed == 10_000
                pruneTime += ContinuousClock.now - pruneStarted
            }
            if done % sampleEvery < batch || done == objects {
                let elapsed = ContinuousClock.now - windowStart
                samples.append(
                    Sample(
                        objects: done, millisecondsPerBatch: elapsed.seconds * 1000 / Double(max(1, windowBatches)),
                        fileMegabytes: Double(fileBytes()) / 1_048_576, claimsHeld: held, pruned: pruned,
                        pruneMilliseconds: pruneTime.seconds * 1000))
                windowStart = ContinuousClock.now
                windowBatches = 0
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let roundTrips = Double(store.roundTrips) / Double(max(1, objects))
        await store.close()
        let bytes = fileBytes()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return Result(
            objects: objects, batch: batch, retentionSeconds: retention.map { Int($0.components.seconds) },
            samples: samples,
            bytesPerClaim: Double(bytes) / Double(max(1, retention == nil ? objects : held)),
            roundTripsPerObject: roundTrips,
            seconds: seconds)
    }

    /// The database file and its write-ahead log.
    /// The claim of the `index`th object: a CloudTrail-length key (about 90 bytes), an MD5 ETag, a sequencer.
    static func request(_ index: Int) -> ClaimRequest {
        ClaimRequest(
            bucket: "telemetry-prod",
            key: String(format: "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/26/%08d_CloudTrail.json.gz", index),
            eTag: String(format: "%032x", index), sequencer: String(format: "%018X", index))
    }

    private func fileBytes() -> Int {
        ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? 0)
        }
    }
}
