import Foundation

/// What EDAL knows of one object without reading it: its HEAD and what the notification said.
public struct ObjectObservation: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var eTag: String
    public var versionId: String?
    public var size: Int64
    /// When S3 stored the object: its arrival.
    public var lastModified: Date
    public var contentType: String?
    public var contentEncoding: String?
    public var storageClass: String
    /// `AES256`, `aws:kms`, `aws:kms:dsse`, or `nil`.
    public var serverSideEncryption: String?
    public var kmsKeyId: String?
    /// User metadata (`x-amz-meta-*`), names without the prefix.
    public var metadata: [String: String]
    /// Who wrote it (`userIdentity.principalId` of the notification), when known.
    public var writer: String?
    /// From where (`requestParameters.sourceIPAddress`), when known.
    public var sourceIP: String?

    public init(
        bucket: String, key: String, eTag: String, versionId: String? = nil, size: Int64, lastModified: Date,
        contentType: String? = nil, contentEncoding: String? = nil, storageClass: String = "STANDARD",
        serverSideEncryption: String? = nil, kmsKeyId: String? = nil, metadata: [String: String] = [:],
        writer: String? = nil, sourceIP: String? = nil
    ) {
        self.bucket = bucket
        self.key = key
        self.eTag = eTag
        self.versionId = versionId
        self.size = size
        self.lastModified = lastModified
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.storageClass = storageClass
        self.serverSideEncryption = serverSideEncryption
        self.kmsKeyId = kmsKeyId
        self.metadata = metadata
        self.writer = writer
        self.sourceIP = sourceIP
    }

    /// The parts of a multipart upload, from the ETag's `-N` suffix; 1 for a single PUT.
    public var partCount: Int {
        let bytes = eTag.utf8
        guard let dash = bytes.lastIndex(of: UInt8(ascii: "-")) else { return 1 }
        var parts = 0
        for byte in bytes[bytes.index(after: dash)...] where byte != UInt8(ascii: "\"") {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), parts < 100_000 else { return 1 }
            parts = parts * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return max(parts, 1)
    }

    /// The categorical attributes a baseline tracks, by name, normalised so that values that
    /// rotate by design (a role's session name, the host part of an address) do not look new.
    public var categories: [(attribute: CategoricalAttribute, value: String)] {
        categories(metadataFields: Self.fieldSet(metadata))
    }

    /// `categories`, with the set of metadata field names already spelt (`fieldSet(_:)`): a
    /// source's objects mostly share one set, so the registry spells it once, not per object.
    func categories(metadataFields: String) -> [(attribute: CategoricalAttribute, value: String)] {
        var result: [(CategoricalAttribute, String)] = [
            (.contentType, contentType ?? "-"),
            (.contentEncoding, contentEncoding ?? "-"),
            (.storageClass, storageClass),
            (.encryption, serverSideEncryption ?? "none"),
            (.kmsKey, kmsKeyId ?? "-"),
            (.metadataFields, metadataFields),
            (.upload, partCount > 1 ? "multipart" : "single"),
        ]
        if let writer { result.append((.writer, Self.principal(writer))) }
        if let sourceIP { result.append((.sourceNetwork, Self.network(sourceIP))) }
        return result.map { ($0.0, Self.boundedCategory($0.1)) }
    }

    /// The longest category value a baseline keeps, in UTF-8 bytes. A content type or a set of
    /// metadata names can run to kilobytes; 32 such values per attribute would push a baseline (and
    /// the chunk of baselines saved with it) towards MongoDB's 16 MB document limit.
    public static let maximumCategoryBytes = 200

    /// `value`, or when longer than `maximumCategoryBytes` its first bytes (whole characters), `…`
    /// and a digest of the whole, so two long values that share a beginning stay two values.
    static func boundedCategory(_ value: String) -> String {
        guard value.utf8.count > maximumCategoryBytes else { return value }
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in value.utf8 {
            digest ^= UInt64(byte)
            digest = digest &* 0x0000_0100_0000_01B3
        }
        let suffix = "…" + String(digest, radix: 16)
        var prefix = ""
        var bytes = 0
        for character in value {
            bytes += character.utf8.count
            if bytes > maximumCategoryBytes - 3 - 16 { break }
            prefix.append(character)
        }
        return prefix + suffix
    }

    /// The metadata field names, sorted and comma-separated: the `metadata_fields` category's value.
    static func fieldSet(_ metadata: [String: String]) -> String {
        metadata.keys.sorted().joined(separator: ",")
    }

    /// `AWS:AROAEXAMPLE:session-1` → `AWS:AROAEXAMPLE` (role sessions rotate; the role does not).
    static func principal(_ writer: String) -> String {
        let bytes = writer.utf8
        guard let first = bytes.firstIndex(of: UInt8(ascii: ":")) else { return writer }
        let role = bytes.index(after: first)
        guard let second = bytes[role...].firstIndex(of: UInt8(ascii: ":")), bytes[role...].starts(with: "AROA".utf8)
        else { return writer }
        return String(writer[..<second])
    }

    /// An IPv4 address's /16 (`10.20.x.x` → `10.20`); an IPv6 address's first two groups.
    static func network(_ address: String) -> String {
        let bytes = address.utf8
        let separator = bytes.contains(UInt8(ascii: ":")) ? UInt8(ascii: ":") : UInt8(ascii: ".")
        var seen = 0
        var cut: String.Index?
        for index in bytes.indices where bytes[index] == separator {
            seen += 1
            if seen == 2 { cut = index }
        }
        guard let cut else { return address }
        // An IPv4 address has exactly three dots; anything else is kept whole.
        if separator == UInt8(ascii: "."), seen != 3 { return address }
        return String(address[..<cut])
    }

    /// Numeric user metadata: the fields whose values are finite numbers.
    public var numericMetadata: [String: Double] {
        var values: [String: Double] = [:]
        values.reserveCapacity(metadata.count)
        for (field, text) in metadata {
            // `Double(_:)` first: trimming through Foundation costs more than the parse.
            if let value = Self.plainDecimal(text) ?? Double(text) ?? Self.trimmedNumber(text), value.isFinite {
                values[field] = value
            }
        }
        return values
    }

    /// Powers of ten that a `Double` holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    /// `-?digits(.digits)?` with at most 15 digits in all, parsed without the C library: the
    /// digits are an exact integer and the divisor an exact power of ten, so the one division
    /// rounds correctly and the answer is `Double(text)`'s (Clinger's fast path). `nil` for
    /// anything else (exponents, signs, spaces, words), which `Double(_:)` then reads.
    static func plainDecimal(_ text: String) -> Double? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Double? in
            var index = 0
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { index = 1 }
            var mantissa: UInt64 = 0
            var digits = 0
            var fractionDigits = 0
            var seenPoint = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "."), !seenPoint {
                    seenPoint = true
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                    digits += 1
                    if seenPoint { fractionDigits += 1 }
                    guard digits <= 15 else { return nil }
                } else {
                    return nil
                }
                index += 1
            }
            // At least one digit on each side of a point ("1.", ".5" and "-" go to `Double(_:)`).
            guard digits > fractionDigits, !seenPoint || fractionDigits > 0 else { return nil }
            let magnitude = Double(mantissa) / exactPowersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        } ?? nil
    }

    static func trimmedNumber(_ text: String) -> Double? {
        guard let first = text.utf8.first, let last = text.utf8.last,
            first == 0x20 || last == 0x20 || first == 0x09 || last == 0x09
        else { return nil }
        return Double(text.trimmingCharacters(in: .whitespaces))
    }
}

/// A categorical attribute of an object that a source's baseline remembers.
public enum CategoricalAttribute: String, Sendable, Codable, CaseIterable, Comparable {
    case contentType = "content_type"
    case contentEncoding = "content_encoding"
    case storageClass = "storage_class"
    case encryption
    case kmsKey = "kms_key"
    case metadataFields = "metadata_fields"
    case upload
    case writer
    case sourceNetwork = "source_network"

    public static func < (lhs: CategoricalAttribute, rhs: CategoricalAttribute) -> Bool { lhs.rawValue < rhs.rawValue }
}
