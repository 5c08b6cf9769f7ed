/// The AWS services EDAL talks to, with what differs between them on the wire.
public enum AWSService: String, Sendable, CaseIterable {
    case s3
    case sqs
    case kinesis
    case sts

    /// The SigV4 signing name.
    public var signingName: String { rawValue }

    /// The suffix of the per-service endpoint variable, `AWS_ENDPOINT_URL_<ID>`.
    public var endpointVariableSuffix: String { rawValue.uppercased() }

    /// The public AWS endpoint in `region`.
    public func defaultEndpoint(region: String) -> AWSEndpoint {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return AWSEndpoint(scheme: "https", host: "\(rawValue).\(region).\(suffix)")
    }
}
