/// What one SQS message body says, once parsed.
public struct S3Notification: Sendable, Equatable {
    /// How the notification reached the queue.
    public enum Envelope: String, Sendable, Equatable {
        /// S3 wrote it to the queue itself.
        case direct
        /// An SNS topic forwarded it; its `Message` held the S3 event.
        case sns
        /// An EventBridge rule forwarded it.
        case eventBridge = "eventbridge"
    }

    public var envelope: Envelope
    /// `true` for the `s3:TestEvent` S3 sends when a notification is configured: acknowledge, nothing else.
    public var isTestEvent: Bool
    /// The object-created records, in order.
    public var objects: [ObjectCreatedEvent]
    /// Records of other event types (removals, restores, …): counted and acknowledged.
    public var ignoredRecords: Int

    public init(
        envelope: Envelope, isTestEvent: Bool = false, objects: [ObjectCreatedEvent] = [], ignoredRecords: Int = 0
    ) {
        self.envelope = envelope
        self.isTestEvent = isTestEvent
        self.objects = objects
        self.ignoredRecords = ignoredRecords
    }
}
