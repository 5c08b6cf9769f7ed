import EDALState

/// What S3 itself would write in a notification, so anything else is refused before any request
/// or store write: a forged or corrupted body is malformed (left for the dead-letter queue), with
/// the reason.
enum ObjectEventLimits {
    /// S3 puts one record in a notification; EDAL accepts up to this many.
    static let maximumRecords = 100
    /// S3's limit on a key, in UTF-8 bytes.
    static let maximumKeyBytes = 1024
    /// S3's largest object: 5 TiB.
    static let maximumSize: Int64 = 5 << 40
    /// The longest event name S3 writes is 40-odd bytes (`ObjectCreated:CompleteMultipartUpload`).
    static let maximumEventNameBytes = 64
    /// A principal (`AWS:AROA…:session`, a canonical user id, an account) is at most a few hundred
    /// bytes; a bucket owner's canonical id 64.
    static let maximumPrincipalBytes = 512
    /// An IPv4 or IPv6 address, or a service's name (`s3.amazonaws.com`) where AWS acted itself.
    static let maximumSourceBytes = 256

    /// Throws the reason `event` (record `index` of its body) is not something S3 would have sent.
    static func check(_ event: ObjectCreatedEvent, record index: Int) throws(NotificationParseError) {
        guard isBucketName(event.bucket) else {
            throw NotificationParseError(
                "record \(index): \(event.bucket.prefix(80).debugDescription) is not an S3 bucket name")
        }
        guard event.key.utf8.count <= maximumKeyBytes else {
            throw NotificationParseError(
                "record \(index): the key is \(event.key.utf8.count) bytes; S3 allows \(maximumKeyBytes)")
        }
        guard event.eTag.utf8.count <= 128, event.eTag.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x22 }) else {
            throw NotificationParseError(
                "record \(index): the ETag \(event.eTag.prefix(80).debugDescription) is not one S3 writes")
        }
        if let size = event.size, !(0...maximumSize).contains(size) {
            throw NotificationParseError("record \(index): size \(size) is outside 0 … 5 TiB")
        }
        if let sequencer = event.sequencer {
            guard !sequencer.isEmpty, sequencer.utf8.count <= 64, sequencer.utf8.allSatisfy(isHexDigit) else {
                throw NotificationParseError(
                    "record \(index): the sequencer \(sequencer.prefix(80).debugDescription) is not hexadecimal")
            }
            // Claims order sequencers padded to this width; a longer one (S3 writes 16 to 20 digits)
            // would compare unpadded, and a forged one could make every later genuine event stale.
            guard sequencer.utf8.count <= ClaimRequest.sequencerWidth else {
                throw NotificationParseError(
                    "record \(index): the sequencer has \(sequencer.utf8.count) hex digits; S3's have at most \(ClaimRequest.sequencerWidth)"
                )
            }
        }
        // Fields signals and baselines carry: bounded as S3 writes them, so a forged notification can
        // push neither a signal past 64 KiB nor a baseline towards MongoDB's 16 MB document limit.
        for (field, value, limit) in [
            ("eventName", event.eventName, maximumEventNameBytes), ("principalId", event.writer, maximumPrincipalBytes),
            ("sourceIPAddress", event.sourceIP, maximumSourceBytes),
            ("ownerIdentity", event.bucketOwner, maximumPrincipalBytes),
        ] {
            guard let value else { continue }
            guard value.utf8.count <= limit,
                !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw NotificationParseError(
                    "record \(index): \(field) is \(value.utf8.count) bytes or holds control characters; S3 writes at most \(limit) printable bytes"
                )
            }
        }
        if let version = event.versionId,
            version.utf8.count > 1024 || !version.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            throw NotificationParseError("record \(index): the version id is not one S3 writes")
        }
    }

    /// 3 to 63 characters of lower-case letters, digits, dots and hyphens, beginning and ending with
    /// a letter or digit — or, for buckets created in us-east-1 before 2018, up to 255 characters
    /// that may also hold capitals and underscores.
    static func isBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...255).contains(bytes.count),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F })
        else { return false }
        return bytes.first.map(isAlphanumeric) == true && bytes.last.map(isAlphanumeric) == true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
