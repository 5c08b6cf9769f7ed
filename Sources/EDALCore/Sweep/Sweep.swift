import Foundation
import Logging

/// The backstop for notifications that never arrived: lists each watched location, keeps objects
/// written since its watermark (minus an overlap for late writes), and sends them through the same
/// `ObjectPipeline` as notifications — objects the queue already handled are duplicates and cost one
/// claim. The watermark advances only when every candidate finished.
///
/// Replicas share the work through a lease in the state store per location and sweep window: the
/// first replica to claim it sweeps, the others skip; if it dies, its lease expires and another
/// replica takes the window over.
public struct Sweep: Sendable {
    public var s3: S3Client
    public var store: any StateStore
    public var pipeline: ObjectPipeline
    public var locations: [WatchedLocation]
    public var interval: Duration
    public var overlap: Duration
    /// How far back the first sweep of a location (no watermark yet) looks.
    public var lookback: Duration
    public var layout: PartitionLayout?
    public var logger: Logger

    /// Candidates per claim round trip.
    static let chunkSize = 100
    /// The store "bucket" holding sweep leases: `~` cannot occur in bucket names, so no object collides.
    static let leaseBucket = "edal~sweep"

    public init(s3: S3Client, store: any StateStore, pipeline: ObjectPipeline, locations: [WatchedLocation],
                interval: Duration = .seconds(900), overlap: Duration = .seconds(900), lookback: Duration = .seconds(3600),
                layout: PartitionLayout? = nil, logger: Logger = Logger(label: "edal.sweep")) {
        self.s3 = s3
        self.store = store
        self.pipeline = pipeline
        self.locations = locations
        self.interval = interval
        self.overlap = overlap
        self.lookback = lookback
        self.layout = layout
        self.logger = logger
    }

    /// Sweeps every location once (those whose window lease another replica holds are skipped).
    public func runOnce(now: Date = Date()) async -> [SweepReport] {
        var reports: [SweepReport] = []
        for location in locations {
            let report = await sweep(location, now: now)
            pipeline.statistics.metrics?.recordSweep(report, completedAt: Date().timeIntervalSince1970)
            reports.append(report)
        }
        return reports
    }

    /// Sweeps every `interval` until `shutdown`; the first sweep runs at once.
    public func run(shutdown: ShutdownSignal) async {
        while !shutdown.isRequested, !Task.isCancelled {
            for report in await runOnce() where report.swept {
                logger.info("sweep done", metadata: [
                    "location": "\(report.location)", "listed": "\(report.objectsListed)", "candidates": "\(report.candidates)",
                    "unfinished": "\(report.unfinished)", "watermark_advanced": "\(report.watermarkAdvanced)",
                ])
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: interval) }
                group.addTask { await shutdown.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    func sweep(_ location: WatchedLocation, now: Date) async -> SweepReport {
        // One replica per location and window.
        let windowSeconds = max(1, Int64(interval.seconds))
        let window = Int64(now.timeIntervalSince1970) / windowSeconds
        let lease = ClaimRequest(bucket: Self.leaseBucket, key: "\(location.bucket)/\(location.prefix)", eTag: "window-\(window)")
        let ticket: ClaimTicket
        do {
            guard let claimed = try await store.claim([lease], owner: pipeline.owner, lease: interval)[0].ticket else {
                return SweepReport(location: location, swept: false)
            }
            ticket = claimed
        } catch {
            var report = SweepReport(location: location, swept: false)
            report.error = "cannot take the sweep lease: \(error)"
            logger.warning("cannot take the sweep lease", metadata: ["location": "\(location)", "error": "\(error)"])
            return report
        }

        var report = SweepReport(location: location, swept: true)
        do {
            let watermark = try await store.watermark(bucket: location.bucket, prefix: location.prefix)
            let since = watermark.map { $0.addingTimeInterval(-overlap.seconds) } ?? now.addingTimeInterval(-lookback.seconds)
            let prefixes = try await prefixesToList(location, since: since, until: now)
            report.prefixesListed = prefixes.count
            var pending: [ObjectCandidate] = []
            for prefix in prefixes {
                for try await page in s3.listObjects(bucket: location.bucket, prefix: prefix.isEmpty ? nil : prefix) {
                    report.objectsListed += page.objects.count
                    for object in page.objects where object.lastModified >= since {
                        // Listing keys are used as they are: never form-decoded.
                        let event = ObjectCreatedEvent(bucket: location.bucket, key: object.key, eTag: object.eTag, size: object.size,
                                                       eventName: "ObjectCreated:Sweep", eventTime: object.lastModified)
                        pending.append(ObjectCandidate(event: event, via: .sweep,
                                                       lastModified: Date(timeIntervalSince1970: object.lastModified.timeIntervalSince1970.rounded(.down))))
                        if pending.count == Self.chunkSize {
                            tally(await pipeline.process(pending), into: &report)
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
            if !pending.isEmpty { tally(await pipeline.process(pending), into: &report) }
            if report.unfinished == 0 {
                _ = try await store.advanceWatermark(bucket: location.bucket, prefix: location.prefix, to: now)
                report.watermarkAdvanced = true
            }
            _ = try await store.complete([ClaimCompletion(ticket: ticket, outcome: .notAnomalous)])
        } catch {
            report.error = "\(error)"
            logger.warning("sweep failed; the next one retries", metadata: ["location": "\(location)", "error": "\(error)"])
            try? await store.release([ticket])
        }
        return report
    }

    private func tally(_ results: [ObjectResult], into report: inout SweepReport) {
        report.candidates += results.count
        for result in results {
            // "in_progress": a notification's worker holds it; its own message covers it.
            if result.isDone || result.label == "in_progress" { report.finished += 1 } else { report.unfinished += 1 }
        }
    }

    /// The prefixes to list: the watched prefix itself, or its partitions for `since...until`.
    func prefixesToList(_ location: WatchedLocation, since: Date, until: Date) async throws -> [String] {
        guard let layout else { return [location.prefix] }
        var bases = [location.prefix.isEmpty || location.prefix.hasSuffix("/") ? location.prefix : location.prefix + "/"]
        for segment in layout.leadingSegments {
            switch segment {
            case .literal(let text):
                bases = bases.map { $0 + text + "/" }
            case .any:
                var next: [String] = []
                for base in bases {
                    var token: String?
                    repeat {
                        let page = try await s3.listObjectsV2(bucket: location.bucket, prefix: base.isEmpty ? nil : base,
                                                             continuationToken: token, delimiter: "/")
                        next += page.commonPrefixes
                        token = page.isTruncated ? page.nextContinuationToken : nil
                    } while token != nil
                }
                bases = next
            case .time:
                break
            }
        }
        let times = layout.timePrefixes(since: since, until: until)
        return bases.flatMap { base in times.map { base + $0 } }
    }
}
