import Crypto

/// The deterministic id of the signal about one piece of content.
public enum SignalID {
    /// 32 hex digits of SHA-256 over bucket, key and ETag (NUL-separated), and the version id in
    /// versioned buckets: the same object content always gets the same id, whichever worker, replica
    /// or path (notification, sweep, replay) saw it; a same-body overwrite in a versioned bucket
    /// (same ETag, perhaps other metadata) gets its own.
    public static func make(bucket: String, key: String, eTag: String, versionId: String? = nil) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bucket.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(key.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(eTag.utf8))
        if let versionId, !versionId.isEmpty, versionId != "null" {
            hasher.update(data: [0])
            hasher.update(data: Array(versionId.utf8))
        }
        return HexEncoding.encode(hasher.finalize().prefix(16))
    }
}
