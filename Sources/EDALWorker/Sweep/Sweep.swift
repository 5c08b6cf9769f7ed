import EDALState
import Foundation
import Logging

/// The backstop for notifications that never arrived: lists each watched location, keeps objects
/// written since its watermark (minus an overlap for late writes), and sends them through the same
/// `ObjectPipeline` as notifications — objects the queue already handled are duplicates and cost one
/// claim. The watermark advances only when every candidate finished.
///
/// Replicas share the work through leases in the state store (`LeaseStore`): one per location and
/// sweep window (the first replica to take it sweeps, the others skip) and one per location while a sweep runs
/// (a sweep longer than the interval is not joined by the next window's); both are renewed while
/// the sweep works, and if its replica dies they expire and another replica takes over.
///
/// The watermark moves to when S3 answered the sweep's first listing (its `Date` header, less a
/// second) when every candidate finished; otherwise to the oldest unfinished candidate's
/// LastModified, so only what is unfinished is listed again. It is measured on S3's clock, never on
/// the worker's: a worker whose clock runs ahead would otherwise move it past objects it has not
/// listed yet. A candidate
/// still unfinished `giveUpAfter` after it was written stops holding the watermark (it is logged
/// and counted as abandoned; its own notification, if any, still retries it).
public struct Sweep: Sendable {
    public var s3: any ObjectListingService
    /// Its leases and watermarks (claims go through `pipeline`).
    public var store: any LeaseStore & WatermarkStore
    public var pipeline: ObjectPipeline
    public var locations: [WatchedLocation]
    public var interval: Duration
    public var overlap: Duration
    /// How far back the first sweep of a location (no watermark yet) looks.
    public var lookback: Duration
    public var layout: PartitionLayout?
    /// How long after its LastModified an unfinished object stops holding the watermark.
    public var giveUpAfter: Duration = .seconds(86_400)
    public var logger: Logger
    /// Time for the interval between sweeps and the sweep's "now" (virtual in the simulation).
    public var clock: any WorkerClock = SystemClock()

    /// Candidates per claim round trip.
    static let chunkSize = 100
    /// The name of a location's lease: `sweep/<bucket>/<prefix>/window-N` for a window (kept when
    /// the sweep finished, so no replica sweeps that window again), `…/running` while a sweep runs.
    static func leaseName(_ location: WatchedLocation, _ part: String) -> String {
        "sweep/\(location.bucket)/\(location.prefix)/\(part)"
    }

    public init(
        s3: any ObjectListingService, store: any LeaseStore & WatermarkStore, pipeline: ObjectPipeline,
        locations: [WatchedLocation],
        interval: Duration = .seconds(900), overlap: Duration = .seconds(900), lookback: Duration = .seconds(3600),
        layout: PartitionLayout? = nil, logger: Logger = Logger(label: "edal.sweep")
    ) {
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

    /// Sweeps every location once (those whose window lease another replica holds are skipped);
    /// stops between chunks when `shutdown` is requested.
    public func runOnce(now: Date? = nil, shutdown: ShutdownSignal? = nil) async -> [SweepReport] {
        let now = now ?? clock.now
        var reports: [SweepReport] = []
        for location in locations {
            if shutdown?.isRequested == true { break }
            let report = await sweep(location, now: now, shutdown: shutdown)
            pipeline.statistics.observer?.sweepEnded(report, at: clock.now.timeIntervalSince1970)
            reports.append(report)
        }
        return reports
    }

    /// Sweeps every `interval` until `shutdown`; the first sweep runs at once.
    public func run(shutdown: ShutdownSignal) async {
        while !shutdown.isRequested, !Task.isCancelled {
            for report in await runOnce(shutdown: shutdown) where report.swept {
                logger.info(
                    "sweep done",
                    metadata: [
                        "location": "\(report.location)", "listed": "\(report.objectsListed)",
                        "candidates": "\(report.candidates)",
                        "unfinished": "\(report.unfinished)", "abandoned": "\(report.abandoned)",
                        "watermark_advanced": "\(report.watermarkAdvanced)", "interrupted": "\(report.interrupted)",
                    ])
            }
            guard await shutdown.sleep(for: interval, clock: clock) else { return }
        }
    }

    func sweep(_ location: WatchedLocation, now: Date, shutdown: ShutdownSignal? = nil) async -> SweepReport {
        // One replica per location and window, and one sweep of a location at a time.
        let windowSeconds = max(1, Int64(interval.seconds))
        let window = Int64(now.timeIntervalSince1970) / windowSeconds
        let leases: (window: Lease, running: Lease)
        do {
            guard
                let windowLease = try await store.acquireLease(
                    Self.leaseName(location, "window-\(window)"), owner: pipeline.owner,
                    ttl: leaseLength)
            else {
                return SweepReport(location: location, swept: false)
            }
            guard
                let running = try await store.acquireLease(
                    Self.leaseName(location, "running"), owner: pipeline.owner, ttl: leaseLength)
            else {
                // The previous window's sweep is still at work: this window is left to the next one.
                try? await store.releaseLease(windowLease)
                var report = SweepReport(location: location, swept: false)
                report.error = "the previous sweep of this location is still running"
                return report
            }
            leases = (windowLease, running)
        } catch {
            var report = SweepReport(location: location, swept: false)
            report.error = "cannot take the sweep lease: \(error)"
            logger.warning(
                "cannot take the sweep lease", metadata: ["location": "\(location)", "error": .error(error)])
            return report
        }

        let held = [leases.window, leases.running]
        let report = await withSidecar(
            { [self] in
                await repeatEvery(
                    leaseLength / 2, clock: clock,
                    { for lease in held { _ = try await store.renewLease(lease, ttl: leaseLength) } },
                    failed: { error in
                        logger.notice("cannot renew the sweep's leases", metadata: ["error": .error(error)])
                    })
            }, while: { await sweepHoldingLeases(location, now: now, shutdown: shutdown) })
        if report.error == nil, !report.interrupted {
            // Kept for a day: no replica sweeps this window again (the store forgets it after).
            _ = try? await store.renewLease(leases.window, ttl: .seconds(86_400))
        } else {
            try? await store.releaseLease(leases.window)
        }
        try? await store.releaseLease(leases.running)
        return report
    }

    /// The sweep's leases last an interval, at least a minute; renewed at half-time.
    private var leaseLength: Duration { max(interval, .seconds(60)) }

    private func sweepHoldingLeases(_ location: WatchedLocation, now: Date, shutdown: ShutdownSignal?) async
        -> SweepReport
    {
        var report = SweepReport(location: location, swept: true)
        var oldestUnfinished: Date?
        // What the listing covers, on S3's clock: everything written before its first page was answered.
        var listedThrough: Date?
        var newestListed: Date?
        var everyPageDated = true
        do {
            let watermark = try await store.watermark(bucket: location.bucket, prefix: location.prefix)
            let since =
                watermark.map { $0.addingTimeInterval(-overlap.seconds) } ?? now.addingTimeInterval(-lookback.seconds)
            let giveUpBefore = now.addingTimeInterval(-giveUpAfter.seconds)
            let prefixes = try await prefixesToList(location, since: since, until: now)
            report.prefixesListed = prefixes.count
            var pending: [ObjectCandidate] = []
            func process() async {
                let results = await pipeline.process(pending)
                report.candidates += results.count
                for (candidate, result) in zip(pending, results) {
                    // `.retryLater(.inProgress)` is unfinished too: the worker holding it may yet fail.
                    if result.isDone {
                        report.finished += 1
                        continue
                    }
                    report.unfinished += 1
                    let written = candidate.lastModified ?? now
                    if written < giveUpBefore {
                        report.abandoned += 1
                        logger.error(
                            "sweep: an object written long ago still cannot be finished; it no longer holds the watermark",
                            metadata: [
                                "bucket": "\(candidate.event.bucket)", "key": "\(candidate.event.key)",
                                "reason": "\(result.label)",
                            ])
                    } else {
                        oldestUnfinished = min(oldestUnfinished ?? written, written)
                    }
                }
                pending.removeAll(keepingCapacity: true)
            }
            listing: for prefix in prefixes {
                var firstPage = true
                for try await page in s3.listAllObjects(bucket: location.bucket, prefix: prefix.isEmpty ? nil : prefix)
                {
                    if firstPage {
                        firstPage = false
                        if let answered = page.serverDate {
                            listedThrough = min(listedThrough ?? answered, answered)
                        } else {
                            everyPageDated = false
                        }
                    }
                    for object in page.objects where newestListed.map({ object.lastModified > $0 }) ?? true {
                        newestListed = object.lastModified
                    }
                    report.objectsListed += page.objects.count
                    for object in page.objects where object.lastModified >= since {
                        // Listing keys are used as they are: never form-decoded.
                        let event = ObjectCreatedEvent(
                            bucket: location.bucket, key: object.key, eTag: object.eTag, size: object.size,
                            eventName: "ObjectCreated:Sweep", eventTime: object.lastModified)
                        pending.append(
                            ObjectCandidate(
                                event: event, via: .sweep,
                                lastModified: Date(
                                    timeIntervalSince1970: object.lastModified.timeIntervalSince1970.rounded(.down))))
                        if pending.count == Self.chunkSize {
                            await process()
                            if shutdown?.isRequested == true {
                                report.interrupted = true
                                break listing
                            }
                        }
                    }
                }
            }
            if !pending.isEmpty, !report.interrupted { await process() }
            guard !report.interrupted else { return report }
            // Everything finished: up to when S3 answered the first listing (less a second: its Date
            // and LastModified have whole seconds), and for date partitions no further than the
            // partitions listed; otherwise up to the oldest unfinished write. Without a Date header
            // (an S3-compatible server without a clock), no further than the newest object listed
            // less the overlap.
            var reached: Date?
            if everyPageDated, let listedThrough {
                let answered = listedThrough.addingTimeInterval(-1)
                reached = layout == nil ? answered : min(answered, now)
            } else if let newestListed {
                reached = newestListed.addingTimeInterval(-overlap.seconds)
            }
            let unfinishedBound = oldestUnfinished.map { $0.addingTimeInterval(-1) }
            guard let target = [unfinishedBound, reached].compactMap({ $0 }).min() else { return report }
            if watermark.map({ target > $0 }) ?? true {
                _ = try await store.advanceWatermark(bucket: location.bucket, prefix: location.prefix, to: target)
                report.watermarkAdvanced = true
            }
        } catch {
            report.error = "\(error)"
            logger.warning(
                "sweep failed; the next one retries", metadata: ["location": "\(location)", "error": .error(error)])
        }
        return report
    }

    /// The prefixes to list: the watched prefix itself, or its partitions for `since...until`.
    func prefixesToList(_ location: WatchedLocation, since: Date, until: Date) async throws -> [String] {
        guard let layout else { return [location.prefix] }
        var bases = [
            location.prefix.isEmpty || location.prefix.hasSuffix("/") ? location.prefix : location.prefix + "/"
        ]
        for segment in layout.leadingSegments {
            switch segment {
            case .literal(let text):
                bases = bases.map { $0 + text + "/" }
            case .any:
                var next: [String] = []
                for base in bases {
                    var token: String?
                    repeat {
                        let page = try await s3.listObjectsV2(
                            bucket: location.bucket, prefix: base.isEmpty ? nil : base, startAfter: nil,
                            continuationToken: token, delimiter: "/", maxKeys: nil)
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
