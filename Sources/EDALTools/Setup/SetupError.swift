/// `edal setup` could not make something right by itself: what, and what a person can do about it.
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public var advice: String

    public init(problem: String, advice: String) {
        self.problem = problem
        self.advice = advice
    }

    public var description: String { "\(problem). \(advice)." }
}
