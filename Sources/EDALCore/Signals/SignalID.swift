import Crypto

/// The deterministic id of the signal about one piece of content.
public enum SignalID {
    /// 32 hex digits of SHA-256 over bucket, key and ETag (NUL-separated): the same object content
    /// always gets the same id, whichever worker, replica or path (notification, sweep, replay) saw it.
    public static func make(bucket: String, key: String, eTag: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bucket.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(key.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(eTag.utf8))
        return HexEncoding.encode(hasher.finalize().prefix(16))
    }
}
