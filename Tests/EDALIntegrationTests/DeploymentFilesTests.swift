import EDALTestSupport
import Foundation
import Testing

/// infra/Dockerfile, infra/docker-compose.yml and infra/k8s/ checked as far as this machine can
/// (no Docker or Kubernetes here): `infra/testing/check_deploy_files.py` parses them and checks
/// every file and `EDAL_*` variable they name and that the Kubernetes objects agree.
@Suite("deployment files", .enabled(if: TestServices.configured, TestServices.skipReason), .timeLimit(.minutes(10)))
struct DeploymentFilesTests {
    @Test("the Dockerfile, compose file and Kubernetes manifests parse and agree with EDAL")
    func deploymentFilesAreConsistent() async throws {
        guard let python = ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"] else { return }
        let outcome = try await HelperProcess.execute(python, [Repository.path("infra/testing/check_deploy_files.py")])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        #expect(outcome.output.contains("0 problem(s)"))
    }
}
