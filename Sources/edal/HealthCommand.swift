import ArgumentParser
import AsyncHTTPClient
import EDALWorker
import Foundation

/// `edal health`: asks a running worker's `/healthz` (or `/readyz`) — the container HEALTHCHECK.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract:
            "Exit 0 when the worker on this host answers /healthz (or /readyz with --ready); for container health checks."
    )

    @Option(help: "Port of the worker's metrics listener (the port of EDAL_METRICS_ADDRESS, default 9464).") var port:
        Int?
    @Flag(help: "Check /readyz (queue, store, sink reachable) instead of /healthz.") var ready = false

    func run() async throws {
        let address = (try? WorkerSettings.reading(["EDAL_METRICS_ADDRESS"]))?.metricsAddress
        let port = port ?? address?.port ?? 9464
        // The listener's own host when it names one, else loopback (it listens on every interface).
        let host = address.map { ["0.0.0.0", "::"].contains($0.host) ? "127.0.0.1" : $0.host } ?? "127.0.0.1"
        let authority = host.contains(":") ? "[\(host)]" : host
        let request = HTTPClientRequest(url: "http://\(authority):\(port)/\(ready ? "readyz" : "healthz")")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
            let body = try await response.body.collect(upTo: 64 * 1024)
            print(String(buffer: body), terminator: "")
            if response.status != .ok { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print("edal health: no answer on port \(port): \(error)")
            throw ExitCode(1)
        }
    }
}
