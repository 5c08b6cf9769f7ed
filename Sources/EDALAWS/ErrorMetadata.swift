import Logging

extension Logger.MetadataValue {
    /// An error as a log field: its description and its Swift type, which JSON logs write as ECS's
    /// `error.message` and `error.type` (text logs show both in brackets).
    public static func error(_ error: any Error) -> Logger.MetadataValue {
        .dictionary(["message": .string("\(error)"), "type": .string(String(describing: type(of: error)))])
    }
}
