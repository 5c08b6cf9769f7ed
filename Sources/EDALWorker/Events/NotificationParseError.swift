/// A message body EDAL cannot read as an S3 notification. The message is left in the queue: its
/// redrive policy moves it to the dead-letter queue for a person to look at.
public struct NotificationParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { "not an S3 notification: \(reason)" }
}
