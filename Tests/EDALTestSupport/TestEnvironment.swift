import Foundation

/// What the environment says about the test services.
public enum TestEnvironment {
    /// `true` when the test services are meant to be there (`make test` sets `EDAL_TEST_SERVICES`,
    /// `EDAL_REQUIRE_TEST_SERVICES` asks for them outside it): then a missing service or tool fails
    /// the test instead of skipping it.
    public static var servicesRequired: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["EDAL_TEST_SERVICES"] == "1" || environment["EDAL_REQUIRE_TEST_SERVICES"] == "1"
    }
}
