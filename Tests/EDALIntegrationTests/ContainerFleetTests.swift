import Foundation
import Testing

@testable import EDALWorker

/// The fleet run from the container image (`make image`) with podman, as a user runs it: three
/// containers against the test services, one killed mid-batch and started again; and the
/// single-container shape with its SQLite store on a volume, stopped with SIGTERM mid-work.
@Suite(
    "containers from the image", .serialized,
    .enabled(if: TestServices.configured, TestServices.skipReason),
    .enabled(if: EdalContainer.available, EdalContainer.skipReason), .timeLimit(.minutes(10)))
struct ContainerFleetTests {
    static let environment = [
        "EDAL_MODE": "continuous", "EDAL_VISIBILITY_TIMEOUT": "5", "EDAL_LOG_LEVEL": "info",
        "EDAL_SWEEP_INTERVAL": "0",
    ]

    /// Starts a container and waits until its `/readyz` answers 200; answers it, its metrics port,
    /// and the time from `podman run` to ready.
    static func startReady(
        _ fixture: PipelineFixture, name: String, volumes: [String] = [], _ extra: [String: String] = [:]
    )
        async throws -> (EdalContainer, Int, Duration)
    {
        let started = ContinuousClock.now
        let container = try EdalContainer.start(
            name: name, ["run"],
            environment: EdalContainer.containerEnvironment(
                fixture.environment(Self.environment.merging(extra) { $1 })),
            volumes: volumes)
        let port = try await FleetTests.metricsPort(container.process)
        _ = try await FleetTests.readyBody(port, within: .seconds(60)) { _ in true }
        return (container, port, ContinuousClock.now - started)
    }

    @Test(
        "three containers, one killed mid-batch with podman kill and started again: every object signalled once, nothing in the DLQ"
    )
    func fleetFromTheImage() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-podman")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)
        let prefix = TestServices.uniqueName("edal-test")
        // Every name this test may start, so a failed expectation leaves no container running.
        let names = ["0", "1", "2", "0b"].map { "\(prefix)-\($0)" }
        defer { Task { await EdalContainer.remove(names) } }
        // Container 0 reaches S3 through a proxy that holds each HEAD 2 s: when it is killed, objects
        // it has claimed are still waiting for their HEAD, so another container must take them over.
        let slowS3 = try await FaultProxy.start(
            service: "s3", upstream: services.s3Endpoint,
            rules: [.init(operation: "s3.HeadObject", fault: "delay", seconds: 2)])
        var containers: [EdalContainer] = []
        var ports: [Int] = []
        var readyTimes: [Duration] = []
        for index in 0..<3 {
            let (container, port, ready) = try await Self.startReady(
                fixture, name: names[index], index == 0 ? ["AWS_ENDPOINT_URL_S3": slowS3.endpoint] : [:])
            containers.append(container)
            ports.append(port)
            readyTimes.append(ready)
        }

        // Uploads while the fleet runs; container 0 is killed once it has claimed objects.
        async let firstBatch = fixture.generate(600, seed: 41)
        var heldWhenKilled = 0.0
        // (The first notifications can come minutes after the upload starts under make test.)
        let killBy = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < killBy {
            let page = try await FleetTests.get(ports[0], "/metrics").1
            heldWhenKilled = FleetTests.gauge(page, "edal_sqs_messages_in_work") ?? 0
            if heldWhenKilled > 0, FleetTests.sample("edal_claims_total", in: page) > 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let killedAt = ContinuousClock.now
        try await containers[0].kill()
        let killed = await containers[0].process.wait(limit: .seconds(60))
        #expect(heldWhenKilled > 0, "container 0 held no message when it was killed")
        #expect(killed.status == 137, "podman run reports the SIGKILL: \(killed.status)")
        var keys = try await firstBatch
        keys += try await fixture.generate(300, seed: 41, firstIndex: 600)
        let (restarted, restartedPort, restartReady) = try await Self.startReady(fixture, name: names[3])
        containers[0] = restarted
        ports[0] = restartedPort
        readyTimes.append(restartReady)

        let (signals, _) = try await fixture.waitUntilEachSignalled(keys, within: .seconds(240))

        // SIGTERM through podman stop: each stops within its grace period and exits 0.
        var stopTimes: [Duration] = []
        for container in containers { stopTimes.append(try await container.stop(grace: 30)) }
        for container in containers {
            let outcome = await container.process.wait(limit: .seconds(60))
            #expect(outcome.status == 0, "\(container.name): \(outcome.errors.suffix(2000))")
        }
        #expect(stopTimes.allSatisfy { $0 < .seconds(30) }, "\(stopTimes)")

        let keySet = Set(keys)
        #expect(keySet.count == 900)
        #expect(Set(signals.map(\.evidence.key)) == keySet, "\(difference(Set(signals.map(\.evidence.key)), keySet))")
        #expect(Set(signals.map(\.signalId)).count == keySet.count, "one signal id per object")
        #expect(try await fixture.messages(in: fixture.queue) == 0)
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        let claims = try await fixture.storedClaims(keys)
        #expect(claims.count == keySet.count && claims.values.allSatisfy { $0.status == .done })
        // What the killed container had claimed was claimed again by another after the visibility
        // timeout (5 s) and done: its claims count more than one.
        let takenOver = claims.values.filter { $0.claims > 1 }
        #expect(!takenOver.isEmpty, "nothing the killed container had claimed was taken over")
        #expect(signals.count - keySet.count <= takenOver.count)
        print(
            "containers: \(keySet.count) objects, \(signals.count) records, \(takenOver.count) taken over from the killed container (it held \(Int(heldWhenKilled)) messages; killed \(ContinuousClock.now - killedAt) before the end); start to ready \(readyTimes); podman stop \(stopTimes)"
        )
    }

    @Test(
        "one container, read-only root, SQLite on a volume, uid 10001: SIGTERM mid-work finishes what it holds and leaves the rest queued; started again it finishes every object once"
    )
    func singleContainerWithAVolume() async throws {
        guard let services = try TestServices.current() else { return }
        // The single-container shape: the image's default store, SQLite under /var/lib/edal, here a
        // host directory the container's user owns.
        let volume = FileManager.default.temporaryDirectory.appendingPathComponent(
            TestServices.uniqueName("edal-volume"))
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: volume) }
        #expect(chown(volume.path, 10001, 10001) == 0, "the volume is given to uid 10001")
        let fixture = try PipelineFixture(services: services, store: .sqlite, name: "edal-podman1")
        try await fixture.setUp(visibilityTimeout: 5, maxReceiveCount: 20)
        // Enough that the container cannot have received them all when it is stopped (it takes up
        // to EDAL_MAX_IN_WORK at once and finishes what it holds before it exits).
        let keys = try await fixture.generate(1500, seed: 42)
        try await fixture.waitForNotifications(keys.count)
        let store = ["EDAL_STATE_STORE_URI": "sqlite:/var/lib/edal/edal-state.db", "EDAL_SHUTDOWN_DEADLINE": "10"]
        let name = TestServices.uniqueName("edal-test-single")
        defer {
            Task { await EdalContainer.remove([name, name + "-b"]) }
        }

        let (container, port, _) = try await Self.startReady(
            fixture, name: name, volumes: ["\(volume.path):/var/lib/edal"], store)

        // SIGTERM while it holds messages.
        let heldWhenStopped = try await FleetTests.messagesInWork(port, within: .seconds(60))
        #expect(heldWhenStopped > 0, "the container held no message when it was stopped")
        let grace = 30
        let stopped = try await container.stop(grace: grace)
        let outcome = await container.process.wait(limit: .seconds(60))
        #expect(outcome.status == 0, "exit 0, not SIGKILL after the grace period: \(outcome.errors.suffix(2000))")
        #expect(stopped < .seconds(grace), "stopped in \(stopped)")
        let firstSignals = try await fixture.streamSignals()
        #expect(firstSignals.count < keys.count, "it stopped before the queue was empty")
        // Nothing it started is left half done in the store on the volume; the rest is in the queue.
        let onVolume = "sqlite:" + volume.appendingPathComponent("edal-state.db").path
        let claims = try await fixture.storedClaims(keys, uri: onVolume)
        #expect(!claims.isEmpty && claims.values.allSatisfy { $0.status == .done }, "\(claims.values.map(\.status))")
        #expect(try await fixture.messages(in: fixture.queue) > 0, "unfinished messages were handed back")

        let (again, _, _) = try await Self.startReady(
            fixture, name: name + "-b", volumes: ["\(volume.path):/var/lib/edal"], store)
        let user = try await again.exec(["id", "-u"])
        #expect(user.output.trimmingCharacters(in: .whitespacesAndNewlines) == "10001", "\(user.output) \(user.errors)")
        let write = try await again.exec(["touch", "/usr/local/bin/x"])
        #expect(write.status != 0, "the root filesystem is read-only")
        let (signals, _) = try await fixture.waitUntilEachSignalled(keys, within: .seconds(180))
        _ = try await again.stop(grace: grace)
        _ = await again.process.wait(limit: .seconds(60))
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(Set(signals.map(\.signalId)).count == keys.count, "one signal id per object")
        #expect(signals.count == keys.count, "no object signalled twice across the restart")
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        print(
            "single container: stopped with SIGTERM in \(stopped) holding \(Int(heldWhenStopped)) messages; \(firstSignals.count) of \(keys.count) signalled before the stop, \(claims.count) claims all done"
        )
    }
}
