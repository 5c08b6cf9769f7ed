/// A configuration value EDAL cannot use; says which setting and what would work.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable (or flag) at fault.
    public var setting: String
    public var problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }
}
