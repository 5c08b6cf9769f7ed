import EDALTestSupport
import Foundation
import Testing

@testable import EDALWorker

/// infra/docker-compose.yml's EDAL services run with podman-compose from the image `make image`
/// builds. Only LocalStack, MongoDB, Prometheus and Grafana cannot be pulled here: an override file
/// points the services at the natively started test services instead, on the host's network.
@Suite(
    "compose demo with podman-compose", .serialized,
    .enabled(if: TestServices.configured, TestServices.skipReason),
    .enabled(if: EdalContainer.available, EdalContainer.skipReason), .timeLimit(.minutes(10)))
struct ComposeDemoTests {
    static let composeFile = Repository.path("infra/docker-compose.yml")

    /// `podman-compose ARGUMENTS` with the compose file and `override`, as project `project`, started.
    /// (Attached, as `podman run` is for the container tests: a detached `up -d` leaves its
    /// containers' monitors holding what Foundation's Process watches for the exit.)
    static func startCompose(_ project: String, _ override: String, _ arguments: [String]) throws
        -> HelperProcess.Running
    {
        let python = try #require(ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"])
        let podmanCompose = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent(
            "podman-compose"
        ).path
        return try HelperProcess.start(
            podmanCompose, ["--project-name", project, "-f", composeFile, "-f", override] + arguments,
            environment: EdalContainer.podmanEnvironment)
    }

    /// The names of the project's running containers (`all`: stopped ones too).
    static func running(_ project: String, all: Bool = false) async throws -> [String] {
        let listed = try await EdalContainer.podmanCommand(
            ["ps"] + (all ? ["--all"] : []) + [
                "--filter", "label=io.podman.compose.project=\(project)", "--format", "{{.Names}}",
            ])
        return listed.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    @Test(
        "the worker service's three replicas from the image: every object signalled once; down stops them with SIGTERM")
    func workerServiceFromTheImage() async throws {
        guard let services = try TestServices.current() else { return }
        let fixture = try PipelineFixture(services: services, store: .mongoFixture, name: "edal-compose")
        defer { Task { await fixture.discardStore() } }
        try await fixture.setUp(visibilityTimeout: 10, maxReceiveCount: 20)

        // What differs from the demo: the services here, the fixture's names, and a free metrics
        // port per replica (they share the host's network).
        var environment = EdalContainer.containerEnvironment(
            fixture.environment(["EDAL_LOG_LEVEL": "info", "EDAL_MODE": "continuous"]))
        environment["AWS_ENDPOINT_URL"] = services.s3Endpoint
        // Each value as a JSON string, which is also a YAML double-quoted scalar.
        let lines = try environment.sorted { $0.key < $1.key }.map { name, value in
            "      \(name): \(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))"
        }
        let override = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(TestServices.uniqueName("compose-here")).yml")
        try """
        services:
          worker:
            image: \(EdalContainer.image)
            network_mode: host
            read_only: true
            environment:
        \(lines.joined(separator: "\n"))
        """.write(to: override, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: override) }
        let project = TestServices.uniqueName("edal-compose")
        defer { Task { await EdalContainer.remove((try? await Self.running(project, all: true)) ?? []) } }

        // `--no-deps`: LocalStack, MongoDB and the setup service are the test services here.
        let up = try Self.startCompose(project, override.path, ["up", "--no-deps", "worker"])
        var replicas: [String] = []
        let startedBy = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < startedBy {
            replicas = try await Self.running(project)
            if replicas.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(replicas.count == 3, "deploy.replicas: 3 → \(replicas); \(up.outputSoFar.suffix(2000))")

        let keys = try await fixture.generate(300, seed: 43)
        let (signals, _) = try await fixture.waitUntilEachSignalled(keys, within: .seconds(180))
        // podman-compose stop: SIGTERM to each replica, SIGKILL after the grace period. Each exits 0
        // (137 would be the SIGKILL), then down removes them. podman-compose stops them one after
        // another, so the time is only printed: under make test's load one stop took up to 8 s.
        let started = ContinuousClock.now
        let stop = try await Self.startCompose(project, override.path, ["stop", "-t", "30"]).wait(limit: .seconds(90))
        let stopping = ContinuousClock.now - started
        #expect(stop.status == 0, "podman-compose stop: \(stop.errors.suffix(2000))")
        let exits = try await EdalContainer.podmanCommand([
            "ps", "--all", "--filter", "label=io.podman.compose.project=\(project)", "--format", "{{.ExitCode}}",
        ]).output.split(separator: "\n").map(String.init)
        #expect(exits == ["0", "0", "0"], "the replicas' exit codes: \(exits)")
        let down = try await Self.startCompose(project, override.path, ["down", "-t", "30"]).wait(limit: .seconds(90))
        _ = await up.wait(limit: .seconds(60))
        #expect(down.status == 0, "podman-compose down: \(down.errors.suffix(2000))")
        #expect(try await Self.running(project, all: true).isEmpty)
        #expect(Set(signals.map(\.evidence.key)) == Set(keys))
        #expect(Set(signals.map(\.signalId)).count == keys.count, "one signal id per object")
        #expect(try await fixture.messages(in: fixture.deadLetterQueue) == 0)
        print(
            "compose: \(replicas.count) worker replicas signalled \(keys.count) objects; stop took \(stopping), exit codes \(exits)"
        )
    }
}
