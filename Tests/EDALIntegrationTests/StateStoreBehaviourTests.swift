import EDALState
import EDALWorker
import Foundation
import Testing

/// The behaviour every state store must show, run against each implementation (`StoreUnderTest.all`).
@Suite("State store behaviour", .timeLimit(.minutes(10)))
struct StateStoreBehaviourTests {
    static let lease: Duration = .seconds(60)

    func request(_ key: String, eTag: String = "e1", sequencer: String? = nil, bucket: String = "telemetry")
        -> ClaimRequest
    {
        ClaimRequest(bucket: bucket, key: key, eTag: eTag, sequencer: sequencer)
    }

    @Test("first claim wins; the same ETag is then a duplicate, done or in progress", arguments: StoreUnderTest.all)
    func firstClaimWins(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let first = try await store.claim([request("logs/a.json")], owner: "worker-a", lease: Self.lease)
            let ticket = try #require(first[0].ticket)
            #expect(first[0] == .claimed(ticket))

            // In progress under a live lease: another worker is told so, and leaves its message queued.
            #expect(
                try await store.claim([request("logs/a.json")], owner: "worker-b", lease: Self.lease) == [.inProgress])

            #expect(
                try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "sig-1"))]) == [
                    true
                ])
            let stored = try #require(try await store.storedClaim(bucket: "telemetry", key: "logs/a.json"))
            #expect(stored.status == .done)
            #expect(stored.outcome == "signalled")
            #expect(stored.signalId == "sig-1")
            #expect(stored.owner == "worker-a")
            #expect(stored.claims == 1)

            // Done: a redelivery of the same content is a duplicate too.
            #expect(
                try await store.claim([request("logs/a.json")], owner: "worker-b", lease: Self.lease) == [.duplicate])
        }
    }

    @Test(
        "content whose object was gone when HEADed was never signalled: the same bytes uploaded again are claimed again",
        arguments: StoreUnderTest.all)
    func goneContentIsClaimedAgain(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            // Written (sequencer 10), deleted before a worker got to it: the HEAD found nothing.
            let first = try #require(
                try await store.claim([request("g/1", sequencer: "0A")], owner: "a", lease: Self.lease)[0].ticket)
            #expect(try await store.complete([ClaimCompletion(ticket: first, outcome: .objectGone)]) == [true])
            // The same bytes uploaded again (sequencer 14): new work, not a duplicate of nothing.
            let again = try await store.claim([request("g/1", sequencer: "0E")], owner: "b", lease: Self.lease)
            let ticket = try #require(again[0].ticket, "\(again)")
            #expect(
                try await store.complete([ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "sig-g"))]) == [
                    true
                ])
            // Once signalled, the content is done: a redelivery is a duplicate again.
            #expect(
                try await store.claim([request("g/1", sequencer: "0E")], owner: "c", lease: Self.lease) == [.duplicate])
            // A late notification of the deleted write stays stale.
            #expect(try await store.claim([request("g/1", sequencer: "0A")], owner: "c", lease: Self.lease) == [.stale])

            // The same without sequencers (a sweep's listing, EventBridge): gone content is claimed again too.
            let listed = try #require(try await store.claim([request("g/2")], owner: "a", lease: Self.lease)[0].ticket)
            #expect(try await store.complete([ClaimCompletion(ticket: listed, outcome: .objectGone)]) == [true])
            #expect(try await store.claim([request("g/2")], owner: "b", lease: Self.lease)[0].ticket != nil)
        }
    }

    @Test("a new ETag for the same key is new content, claimed again", arguments: StoreUnderTest.all)
    func newETagIsClaimedAgain(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let ticket = try #require(
                try await store.claim([request("m/1", eTag: "e1")], owner: "a", lease: Self.lease)[0].ticket)
            _ = try await store.complete([ClaimCompletion(ticket: ticket, outcome: .notAnomalous)])

            let again = try await store.claim([request("m/1", eTag: "e2")], owner: "b", lease: Self.lease)
            let second = try #require(again[0].ticket)
            #expect(again == [.claimed(second)])
            let stored = try #require(try await store.storedClaim(bucket: "telemetry", key: "m/1"))
            #expect(stored.eTag == "e2")
            #expect(stored.status == .processing)
            #expect(stored.outcome == nil)
            #expect(stored.claims == 2)
            // New content under a live lease is claimed too: the old work is superseded.
            let third = try await store.claim([request("m/1", eTag: "e3")], owner: "c", lease: Self.lease)
            #expect(third[0].ticket != nil)
            #expect(try await store.complete([ClaimCompletion(ticket: second, outcome: .notAnomalous)]) == [false])
        }
    }

    @Test("an event older than the recorded one, by sequencer, is stale", arguments: StoreUnderTest.all)
    func olderSequencerIsStale(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            // Sequencers differ in length: S3 compares them as hexadecimal numbers ("FF" < "0100").
            let newer = try await store.claim(
                [request("t/1", eTag: "new", sequencer: "0100")], owner: "a", lease: Self.lease)
            #expect(newer[0].ticket != nil)
            #expect(
                try await store.claim([request("t/1", eTag: "old", sequencer: "FF")], owner: "b", lease: Self.lease)
                    == [.stale])
            #expect(
                try await store.claim([request("t/1", eTag: "old", sequencer: "00FF")], owner: "b", lease: Self.lease)
                    == [.stale])
            // The same event again is a duplicate, not stale.
            #expect(
                try await store.claim([request("t/1", eTag: "new", sequencer: "0100")], owner: "b", lease: Self.lease)
                    == [.inProgress])
            // A later write with other content is claimed.
            let later = try await store.claim(
                [request("t/1", eTag: "newest", sequencer: "0101")], owner: "b", lease: Self.lease)
            #expect(later[0].ticket != nil)
            // A sweep (no sequencer) with the same content is a duplicate; the sequencer is kept.
            #expect(
                try await store.claim([request("t/1", eTag: "newest")], owner: "c", lease: Self.lease) == [.inProgress])
            #expect(
                try await store.storedClaim(bucket: "telemetry", key: "t/1")?.sequencer
                    == "00000000000000000000000000000101")
        }
    }

    @Test(
        "the same ETag written again is new content: another version id, or a later LastModified from a listing",
        arguments: StoreUnderTest.all)
    func sameETagRewrite(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let written = Date(timeIntervalSince1970: 1_795_600_000)
            // Processed once, by notification; HEAD recorded LastModified and the version.
            let first = try #require(
                try await store.claim(
                    [ClaimRequest(bucket: "telemetry", key: "v/1", eTag: "e", versionId: "v1")],
                    owner: "a", lease: Self.lease)[0].ticket)
            _ = try await store.complete([
                ClaimCompletion(ticket: first, outcome: .notAnomalous, lastModified: written, versionId: "v1")
            ])

            // The same write seen again (notification or listing) is a duplicate …
            #expect(
                try await store.claim(
                    [ClaimRequest(bucket: "telemetry", key: "v/1", eTag: "e", versionId: "v1")],
                    owner: "b", lease: Self.lease) == [.duplicate])
            #expect(
                try await store.claim(
                    [ClaimRequest(bucket: "telemetry", key: "v/1", eTag: "e", lastModified: written)],
                    owner: "b", lease: Self.lease) == [.duplicate])
            #expect(
                try await store.claim(
                    [ClaimRequest(bucket: "telemetry", key: "v/1", eTag: "e")], owner: "b", lease: Self.lease) == [
                        .duplicate
                    ])
            // … a new version with the same body is not.
            let second = try await store.claim(
                [ClaimRequest(bucket: "telemetry", key: "v/1", eTag: "e", versionId: "v2")],
                owner: "b", lease: Self.lease)
            let ticket = try #require(second[0].ticket)
            #expect(second == [.claimed(ticket)])
            _ = try await store.complete([
                ClaimCompletion(ticket: ticket, outcome: .notAnomalous, lastModified: written, versionId: "v2")
            ])

            // Unversioned: a listing showing a later LastModified is a rewrite; an earlier or equal one is not.
            let plain = try #require(
                try await store.claim(
                    [ClaimRequest(bucket: "telemetry", key: "p/1", eTag: "e")],
                    owner: "a", lease: Self.lease)[0].ticket)
            _ = try await store.complete([ClaimCompletion(ticket: plain, outcome: .notAnomalous, lastModified: written)]
            )
            #expect(
                try await store.claim(
                    [
                        ClaimRequest(
                            bucket: "telemetry", key: "p/1", eTag: "e", lastModified: written.addingTimeInterval(-5))
                    ],
                    owner: "c", lease: Self.lease) == [.duplicate])
            let rewritten = try await store.claim(
                [
                    ClaimRequest(
                        bucket: "telemetry", key: "p/1", eTag: "e", lastModified: written.addingTimeInterval(60))
                ],
                owner: "c", lease: Self.lease)
            #expect(rewritten[0].label == "claimed")
        }
    }

    @Test(
        "a late event for a write older than the recorded content is stale, and the record keeps the content processed",
        arguments: StoreUnderTest.all)
    func lateEventAfterNewerContentIsStale(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let written = Date(timeIntervalSince1970: 1_795_000_100)
            // The sweep found the key's second write (e2, LastModified `written`) first and signalled it.
            let sweep = ClaimRequest(bucket: "telemetry", key: "k/1", eTag: "e2", lastModified: written)
            let ticket = try #require(try await store.claim([sweep], owner: "sweeper", lease: Self.lease)[0].ticket)
            #expect(
                try await store.complete([
                    ClaimCompletion(ticket: ticket, outcome: .signalled(signalId: "s2"), lastModified: written)
                ]) == [true])

            // The first write's notification arrives late: it finished two seconds before e2 was written.
            var late = ClaimRequest(
                bucket: "telemetry", key: "k/1", eTag: "e1", sequencer: "0A", eventTime: written.addingTimeInterval(-2))
            #expect(try await store.claim([late], owner: "worker", lease: Self.lease) == [.stale])
            let kept = try #require(try await store.storedClaim(bucket: "telemetry", key: "k/1"))
            #expect(kept.eTag == "e2" && kept.status == .done && kept.signalId == "s2")

            // A write that finished in the same second cannot be ordered: it is claimed, and a
            // completion that processed the newer content (HEAD saw e2) records e2, so e2's own
            // notification is then a duplicate.
            late.eventTime = written.addingTimeInterval(0.5)
            let second = try #require(try await store.claim([late], owner: "worker", lease: Self.lease)[0].ticket)
            #expect(
                try await store.complete([
                    ClaimCompletion(
                        ticket: second, outcome: .signalled(signalId: "s2"), lastModified: written,
                        eTag: "e2")
                ]) == [true])
            let followed = try #require(try await store.storedClaim(bucket: "telemetry", key: "k/1"))
            #expect(followed.eTag == "e2")
            let own = ClaimRequest(
                bucket: "telemetry", key: "k/1", eTag: "e2", sequencer: "0B", eventTime: written.addingTimeInterval(0.9)
            )
            #expect(try await store.claim([own], owner: "worker", lease: Self.lease) == [.duplicate])
        }
    }

    @Test(
        "an expired lease is taken over, a live one is not; release hands a claim back at once",
        arguments: StoreUnderTest.all)
    func leases(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            // A live lease is respected.
            _ = try #require(try await store.claim([request("l/live")], owner: "a", lease: Self.lease)[0].ticket)
            #expect(try await store.claim([request("l/live")], owner: "b", lease: Self.lease) == [.inProgress])
            // A lease that has run out (its worker died) is taken over. The lease is 1 ms, so the
            // test does not depend on how fast this machine is.
            let dying = try #require(
                try await store.claim([request("l/1")], owner: "dies", lease: .milliseconds(1))[0].ticket)
            try await Task.sleep(for: .milliseconds(20))
            let takeover = try await store.claim([request("l/1")], owner: "b", lease: Self.lease)
            let ticket = try #require(takeover[0].ticket)
            #expect(takeover == [.takenOver(ticket)])
            #expect(ticket.token != dying.token)
            // The dead worker's late calls are told the claim is no longer theirs.
            #expect(try await store.renew([dying], lease: Self.lease) == [false])
            #expect(try await store.complete([ClaimCompletion(ticket: dying, outcome: .notAnomalous)]) == [false])
            #expect(try await store.renew([ticket], lease: Self.lease) == [true])
            #expect(try await store.complete([ClaimCompletion(ticket: ticket, outcome: .notAnomalous)]) == [true])
            #expect(try await store.storedClaim(bucket: "telemetry", key: "l/1")?.owner == "b")

            // Release after a failure: the next claimer takes it over without waiting for the lease.
            let failing = try #require(try await store.claim([request("l/2")], owner: "a", lease: Self.lease)[0].ticket)
            try await store.release([failing])
            let retried = try await store.claim([request("l/2")], owner: "b", lease: Self.lease)
            #expect(retried[0].label == "taken_over")
            // A released claim cannot be renewed by its old holder.
            #expect(try await store.renew([failing], lease: Self.lease) == [false])
        }
    }

    @Test(
        "a named lease has one holder (its owner too cannot take it twice) until released or run out; a late holder cannot renew or release it",
        arguments: StoreUnderTest.all)
    func namedLeases(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            try await store.ping()
            let held = try #require(try await store.acquireLease("sweep/b/window-1", owner: "a", ttl: Self.lease))
            #expect(try await store.acquireLease("sweep/b/window-1", owner: "b", ttl: Self.lease) == nil)
            #expect(
                try await store.acquireLease("sweep/b/window-1", owner: "a", ttl: Self.lease) == nil, "not re-entrant")
            // Another name is another lease.
            #expect(try await store.acquireLease("sweep/b/window-2", owner: "b", ttl: Self.lease) != nil)
            #expect(try await store.renewLease(held, ttl: Self.lease))
            // Released: taken at once by the next.
            try await store.releaseLease(held)
            let next = try #require(try await store.acquireLease("sweep/b/window-1", owner: "b", ttl: Self.lease))
            #expect(next.token != held.token)
            #expect(
                try await store.renewLease(held, ttl: Self.lease) == false,
                "the old holder's token is no longer the lease's")
            try await store.releaseLease(held)
            #expect(
                try await store.acquireLease("sweep/b/window-1", owner: "c", ttl: Self.lease) == nil,
                "the old holder's release did nothing")
            // Run out (its holder died): taken over, and the dead holder cannot renew it.
            let dying = try #require(
                try await store.acquireLease("silence-check/due-1", owner: "dies", ttl: .milliseconds(1)))
            try await Task.sleep(for: .milliseconds(20))
            let takeover = try #require(
                try await store.acquireLease("silence-check/due-1", owner: "b", ttl: Self.lease))
            #expect(takeover.token != dying.token)
            #expect(try await store.renewLease(dying, ttl: Self.lease) == false)
            #expect(try await store.renewLease(takeover, ttl: Self.lease))
        }
    }

    @Test("a batch is claimed and completed per object in one call", arguments: StoreUnderTest.all)
    func batches(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let done = try #require(try await store.claim([request("b/done")], owner: "a", lease: Self.lease)[0].ticket)
            _ = try await store.complete([ClaimCompletion(ticket: done, outcome: .notAnomalous)])
            _ = try await store.claim([request("b/seq", eTag: "x", sequencer: "0200")], owner: "a", lease: Self.lease)

            let batch = [
                request("b/new-1"), request("b/done"), request("b/new-2"), request("b/new-1"),
                request("b/seq", eTag: "y", sequencer: "0100"), request("b/new-3"),
            ]
            let outcomes = try await store.claim(batch, owner: "b", lease: Self.lease)
            #expect(outcomes.map(\.label) == ["claimed", "duplicate", "claimed", "duplicate", "stale", "claimed"])
            // "b/seq" is still in progress under "a": the same content again is in progress, not a duplicate.
            #expect(
                try await store.claim([request("b/seq", eTag: "x", sequencer: "0200")], owner: "c", lease: Self.lease)
                    == [.inProgress])

            let tickets = outcomes.compactMap(\.ticket)
            let completions = tickets.enumerated().map { index, ticket in
                ClaimCompletion(
                    ticket: ticket, outcome: index == 0 ? .signalled(signalId: "s-\(index)") : .notAnomalous)
            }
            #expect(try await store.complete(completions) == [true, true, true])
            #expect(try await store.storedClaim(bucket: "telemetry", key: "b/new-1")?.signalId == "s-0")
            #expect(try await store.storedClaim(bucket: "telemetry", key: "b/new-3")?.outcome == "not_anomalous")
            #expect(try await store.claim([], owner: "b", lease: Self.lease).isEmpty)
        }
    }

    @Test("a batch of new objects costs one round trip to claim and one to complete", arguments: StoreUnderTest.all)
    func roundTripsPerBatch(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let batch = (0..<10).map { request("rt/\($0)") }
            let before = store.roundTrips
            let tickets = try await store.claim(batch, owner: "a", lease: Self.lease).compactMap(\.ticket)
            #expect(tickets.count == 10)
            #expect(store.roundTrips - before == 1)
            _ = try await store.complete(tickets.map { ClaimCompletion(ticket: $0, outcome: .notAnomalous) })
            #expect(store.roundTrips - before == 2)
            // Redelivered duplicates cost at most one more read, to tell duplicate from stale.
            let again = try await store.claim(batch, owner: "b", lease: Self.lease)
            #expect(again.allSatisfy { $0 == .duplicate })
            #expect(store.roundTrips - before <= 4)
        }
    }

    @Test("32 concurrent tasks racing over 2,000 objects claim each exactly once", arguments: StoreUnderTest.all)
    func concurrentTasks(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let objects = (0..<2_000).map { request("race/\($0)", eTag: "etag-\($0)") }
            let won = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        var won: [String] = []
                        for start in stride(from: 0, to: objects.count, by: 10) {
                            // Each task walks the objects from another starting point, in batches of 10.
                            let offset = (start + worker * 620) % objects.count
                            let batch = (0..<10).map { objects[(offset + $0) % objects.count] }
                            let tickets = try await store.claim(batch, owner: "task-\(worker)", lease: .seconds(3600))
                                .compactMap(\.ticket)
                            let completed = try await store.complete(
                                tickets.map { ClaimCompletion(ticket: $0, outcome: .notAnomalous) })
                            #expect(completed.allSatisfy { $0 })
                            won += tickets.map(\.objectId)
                        }
                        return won
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(won.count == objects.count)
            #expect(Set(won) == Set(objects.map(\.objectId)))
        }
    }

    @Test("three OS processes racing over the same objects claim each exactly once", arguments: StoreUnderTest.all)
    func concurrentProcesses(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { _, uri async throws in
            let helper = try HelperProcess.executable()
            let startAt = (Date().timeIntervalSince1970 + 2) * 1000
            let objects = 600
            let outputs = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await HelperProcess.run(
                            helper, ["claim-race", uri, "race", String(objects), String(Int(startAt))])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let lines = outputs.map { $0.split(separator: "\n").map(String.init) }
            let perProcess = lines.map { $0.filter { !$0.hasPrefix("#") } }
            let won = perProcess.flatMap { $0 }
            #expect(won.count == objects, "per process: \(perProcess.map(\.count))")
            #expect(Set(won).count == objects)
            // The race was a race: every process was claiming while every other one was.
            let spans = lines.compactMap { $0.first { $0.hasPrefix("#") } }.map {
                $0.split(separator: " ").dropFirst().compactMap { Int64($0) }
            }
            #expect(spans.count == 3 && spans.allSatisfy { $0.count == 2 })
            if let latestStart = spans.map({ $0[0] }).max(), let earliestEnd = spans.map({ $0[1] }).min() {
                #expect(latestStart < earliestEnd, "the processes did not overlap: \(spans)")
            }
        }
    }

    @Test("the watermark never goes backwards, also under concurrent sweeps", arguments: StoreUnderTest.all)
    func watermarks(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            #expect(try await store.watermark(bucket: "b", prefix: "logs/") == nil)
            let t1 = Date(timeIntervalSince1970: 1_790_000_000)
            let t2 = t1.addingTimeInterval(60)
            #expect(try await store.advanceWatermark(bucket: "b", prefix: "logs/", to: t2) == t2)
            #expect(try await store.advanceWatermark(bucket: "b", prefix: "logs/", to: t1) == t2)
            #expect(try await store.watermark(bucket: "b", prefix: "logs/") == t2)
            #expect(try await store.watermark(bucket: "b", prefix: "metrics/") == nil)

            // Sixteen sweeps advancing the same fresh watermark at once, in random order.
            let dates = (0..<64).map { t1.addingTimeInterval(Double($0)) }.shuffled()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slice in 0..<16 {
                    group.addTask {
                        for date in dates[(slice * 4)..<(slice * 4 + 4)] {
                            let stored = try await store.advanceWatermark(bucket: "b", prefix: "traces/", to: date)
                            #expect(stored >= date)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.watermark(bucket: "b", prefix: "traces/") == dates.max())
        }
    }

    @Test("the newest model is shared; an older version never replaces it", arguments: StoreUnderTest.all)
    func models(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            #expect(try await store.loadBaseline(named: "isolation-forest/logs") == nil)
            let trained = Date(timeIntervalSince1970: 1_790_000_000)
            let v2 = StoredBaseline(
                name: "isolation-forest/logs", version: 2, writtenAt: trained, payload: Array(0...255) + [0, 0])
            #expect(try await store.saveBaseline(v2))
            #expect(
                try await store.saveBaseline(
                    StoredBaseline(name: v2.name, version: 1, writtenAt: trained, payload: [1])) == false)
            #expect(
                try await store.saveBaseline(
                    StoredBaseline(name: v2.name, version: 2, writtenAt: trained, payload: [2])) == false)
            #expect(try await store.loadBaseline(named: v2.name) == v2)
            let v3 = StoredBaseline(
                name: v2.name, version: 3, writtenAt: trained.addingTimeInterval(3600), payload: [3, 3])
            #expect(try await store.saveBaseline(v3))
            #expect(try await store.loadBaseline(named: v2.name) == v3)
        }
    }

    @Test(
        "baselines not saved for the source retention are deleted, by prefix; others stay",
        arguments: StoreUnderTest.all)
    func pruneBaselines(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let pruning = try #require(store as? any BaselinePruning)
            let at = Date(timeIntervalSince1970: 1_790_000_000)
            _ = try await store.saveBaselines([
                StoredBaseline(name: "source/b/old", version: 1, writtenAt: at, payload: [1]),
                StoredBaseline(name: "other/old", version: 1, writtenAt: at, payload: [2]),
            ])
            // A cutoff between the two saves, whatever the machine's load.
            let oldSaved = Date()
            try await Task.sleep(for: .milliseconds(1_000))
            let cutoff = oldSaved.addingTimeInterval(Date().timeIntervalSince(oldSaved) / 2)
            _ = try await store.saveBaselines([
                StoredBaseline(name: "source/b/new", version: 1, writtenAt: at, payload: [3])
            ])
            #expect(try await pruning.pruneBaselines(prefix: "source/", savedBefore: cutoff) == 1)
            #expect(try await store.loadBaseline(named: "source/b/old") == nil)
            #expect(try await store.loadBaseline(named: "source/b/new") != nil)
            #expect(try await store.loadBaseline(named: "other/old") != nil, "another prefix is left alone")
            // Saved again after its deletion, a baseline is stored afresh.
            #expect(
                try await store.saveBaselines([
                    StoredBaseline(name: "source/b/old", version: 2, writtenAt: at, payload: [4])
                ]) == [true])
            #expect(
                try await pruning.pruneBaselines(prefix: "source/", savedBefore: Date().addingTimeInterval(-3_600)) == 0
            )
        }
    }

    @Test(
        "source baselines: a batch of conditional writes, one winner per version, read back by prefix and age",
        arguments: StoreUnderTest.all)
    func sourceBaselines(_ kind: StoreUnderTest) async throws {
        try await kind.withStore { store, _ async throws in
            let at = Date(timeIntervalSince1970: 1_790_000_000)
            func model(_ name: String, _ version: Int64, _ byte: UInt8) -> StoredBaseline {
                StoredBaseline(name: "source/\(name)", version: version, writtenAt: at, payload: [byte])
            }
            // Two replicas create the same source: the first insert wins, the second is told so.
            #expect(try await store.saveBaselines([model("b/a", 1, 1), model("b/c", 1, 1)]) == [true, true])
            #expect(try await store.saveBaselines([model("b/a", 1, 2), model("b/d", 1, 2)]) == [false, true])
            // Compare-and-set: of two writers that read version 1, one moves it to 2.
            #expect(try await store.saveBaselines([model("b/a", 2, 3)]) == [true])
            #expect(try await store.saveBaselines([model("b/a", 2, 4)]) == [false])
            #expect(try await store.loadBaseline(named: "source/b/a")?.payload == [3])
            _ = try await store.saveBaseline(StoredBaseline(name: "other/x", version: 1, writtenAt: at, payload: [9]))

            let all = try await store.loadBaselines(prefix: "source/", savedSince: nil, after: nil, limit: 100)
            #expect(all.map(\.name) == ["source/b/a", "source/b/c", "source/b/d"])
            // Paged in name order.
            let firstPage = try await store.loadBaselines(prefix: "source/", savedSince: nil, after: nil, limit: 2)
            #expect(firstPage.map(\.name) == ["source/b/a", "source/b/c"])
            let secondPage = try await store.loadBaselines(
                prefix: "source/", savedSince: nil, after: "source/b/c", limit: 2)
            #expect(secondPage.map(\.name) == ["source/b/d"])
            // Only what was saved since a moment: nothing saved in the future.
            #expect(
                try await store.loadBaselines(
                    prefix: "source/", savedSince: Date().addingTimeInterval(3600), after: nil, limit: 100
                ).isEmpty)
            #expect(
                try await store.loadBaselines(
                    prefix: "source/", savedSince: Date().addingTimeInterval(-3600), after: nil, limit: 100
                ).count == 3)
        }
    }
}
