import EDALTestSupport
import Foundation
import Testing

/// Finds the tools the unit tests compare with (the Python with botocore and scikit-learn).
enum TestSupport {
    struct MissingTool: Error, CustomStringConvertible {
        var description: String
    }

    /// The Python with botocore and friends, or `nil` (test skipped) outside `make test`.
    static func python() throws -> String? {
        if let python = ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"], FileManager.default.isExecutableFile(atPath: python) {
            return python
        }
        let venv = Repository.path(".venvs/tools/bin/python")
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        if TestEnvironment.servicesRequired { throw MissingTool(description: "EDAL_TEST_PYTHON is not set: run the tests with `make test`") }
        return nil
    }
}
