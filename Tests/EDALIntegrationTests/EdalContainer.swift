import EDALTestSupport
import Foundation
import Testing

/// One `edal` container run with podman from the image `make image` builds, with host networking
/// so it reaches the test services on 127.0.0.1. `podman run` stays attached: the container's log
/// is collected as a child process's, and the process ends when the container does.
struct EdalContainer: Sendable {
    /// The image under test (`EDAL_TEST_IMAGE`, default what `make image` tags last).
    static let image = ProcessInfo.processInfo.environment["EDAL_TEST_IMAGE"] ?? "localhost/edal:latest"

    /// podman's settings for machines like this one (infra/containers.conf: runc, host ulimits).
    static let containersConf: String =
        ProcessInfo.processInfo.environment["CONTAINERS_CONF"] ?? Repository.path("infra/containers.conf")

    /// podman's path, where it is installed.
    static let podman: String? = ["/usr/bin/podman", "/usr/local/bin/podman"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether podman runs here and the image exists: the container suites are skipped otherwise.
    static let available: Bool = {
        guard let podman else { return false }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: podman)
        check.arguments = ["image", "exists", image]
        check.environment = podmanEnvironment
        do {
            try check.run()
            check.waitUntilExit()
            return check.terminationStatus == 0
        } catch {
            return false
        }
    }()

    static let skipReason: Comment =
        "needs podman and the EDAL image (`make image`; make test builds it where podman runs)"

    let name: String
    let process: HelperProcess.Running

    /// Starts `edal ARGUMENTS` in a new container called `name`. `environment` is what a user would
    /// pass with `-e`; `volumes` are `host:container` bind mounts; the root filesystem is read-only.
    static func start(
        name: String, _ arguments: [String], environment: [String: String], volumes: [String] = [],
        stopTimeout: Int = 30
    ) throws -> EdalContainer {
        guard let podman else { throw HelperProcess.Failed(description: "podman is not installed") }
        var command = [
            // The image's HEALTHCHECK needs systemd timers under podman, which this machine has not.
            "run", "--rm", "--name", name, "--network", "host", "--read-only", "--pull", "never", "--no-healthcheck",
            "--stop-timeout", String(stopTimeout),
        ]
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { command += ["--env", "\(key)=\(value)"] }
        for volume in volumes { command += ["--volume", volume] }
        command += [image] + arguments
        let process = try HelperProcess.start(podman, command, environment: podmanEnvironment)
        return EdalContainer(name: name, process: process)
    }

    /// The part of a fixture's environment a container is given: EDAL's and the AWS SDK's settings,
    /// not the test runner's own variables.
    static func containerEnvironment(_ environment: [String: String]) -> [String: String] {
        environment.filter {
            ($0.key.hasPrefix("EDAL_") && !$0.key.hasPrefix("EDAL_TEST_")) || $0.key.hasPrefix("AWS_")
        }
    }

    static var podmanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(["CONTAINERS_CONF": containersConf]) { $1 }
    }

    /// `podman ARGUMENTS`, to completion.
    static func podmanCommand(_ arguments: [String]) async throws -> HelperProcess.Outcome {
        guard let podman else { throw HelperProcess.Failed(description: "podman is not installed") }
        return try await HelperProcess.execute(podman, arguments, environment: podmanEnvironment)
    }

    /// Removes the containers called `names` (running or not), for a test's cleanup: whatever a
    /// failed expectation left must not run into the next test.
    static func remove(_ names: [String]) async {
        guard !names.isEmpty else { return }
        _ = try? await podmanCommand(["rm", "--force", "--time", "0"] + names)
    }

    /// `podman kill`: SIGKILL to the container's process, as a node that dies would.
    func kill() async throws {
        let outcome = try await Self.podmanCommand(["kill", name])
        try #require(outcome.status == 0, "podman kill \(name): \(outcome.errors)")
    }

    /// `podman stop -t GRACE`: SIGTERM, then SIGKILL after `grace` seconds. Answers how long it took.
    func stop(grace: Int) async throws -> Duration {
        let started = ContinuousClock.now
        let outcome = try await Self.podmanCommand(["stop", "-t", String(grace), name])
        try #require(outcome.status == 0, "podman stop \(name): \(outcome.errors)")
        return ContinuousClock.now - started
    }

    /// `podman exec NAME COMMAND`, to completion.
    func exec(_ command: [String]) async throws -> HelperProcess.Outcome {
        try await Self.podmanCommand(["exec", name] + command)
    }
}
