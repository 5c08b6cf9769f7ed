import Foundation

/// The tools some tests compare with (the Python with botocore and scikit-learn), found the same
/// way by every test target.
public enum TestTools {
    public struct MissingTool: Error, CustomStringConvertible {
        public var description: String
    }

    /// The Python with botocore and friends, or `nil` (the test is skipped) outside `make test`.
    public static func python() throws -> String? {
        if let python = ProcessInfo.processInfo.environment["EDAL_TEST_PYTHON"],
            FileManager.default.isExecutableFile(atPath: python)
        {
            return python
        }
        let venv = Repository.path(".venvs/tools/bin/python")
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        if TestEnvironment.servicesRequired {
            throw MissingTool(description: "EDAL_TEST_PYTHON is not set: run the tests with `make test`")
        }
        return nil
    }
}
