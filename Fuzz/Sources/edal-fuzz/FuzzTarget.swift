import Foundation

/// The parsers EDAL feeds with bytes it does not control, one fuzz target each.
///
/// Every target must return normally for any input: a parser throws its own error for bad bytes and
/// never traps. Where a parse succeeds, the target also checks a property of the result (a round
/// trip, a limit the parser promises), trapping with a message when it does not hold.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// SQS message bodies: direct S3 events, SNS-wrapped ones and EventBridge events.
    case notification
    /// The form decoding of notification keys.
    case formDecoding = "form-decoding"
    /// The XML parser, with S3's ListObjectsV2 page and error shapes read from its result.
    case xml
    /// The error decoder for JSON, XML and header-only AWS error answers.
    case awsError = "aws-error"
    /// The BSON decoder for MongoDB replies.
    case bson
    /// Credential documents: the container endpoint / IMDS JSON and STS's XML answer.
    case credentials
    /// `~/.aws/config` and `~/.aws/credentials`.
    case profileFile = "profile-file"

    /// The target `EDAL_FUZZ_TARGET` names; the process stops with the list when it names none.
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["EDAL_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("edal-fuzz: set EDAL_FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(2)
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        switch self {
        case .notification: NotificationFuzzing.run(bytes)
        case .formDecoding: FormDecodingFuzzing.run(bytes)
        case .xml: XMLFuzzing.run(bytes)
        case .awsError: AWSErrorFuzzing.run(bytes)
        case .bson: BSONFuzzing.run(bytes)
        case .credentials: CredentialFuzzing.run(bytes)
        case .profileFile: ProfileFileFuzzing.run(bytes)
        }
    }
}

/// Stops the fuzzer with `message` when a property of a successful parse does not hold.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("property violated: \(message())") }
}
