import Crypto
import EDALAWS
import Foundation

/// The deterministic id of the signal about one piece of content.
public enum SignalID {
    /// 32 hex digits of SHA-256 over bucket, key and ETag (NUL-separated), and `versionId` when one
    /// is given: the same object content always gets the same id, whichever worker, replica or path
    /// (notification, sweep, replay) saw it. The worker passes a version id only with
    /// `EDAL_DEDUPE=version` (`DedupeScope.signalVersion`), where a same-body overwrite in a
    /// versioned bucket (same ETag, perhaps other metadata) gets its own id; by default it does not.
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

    /// The id of a source event: bucket, template, check and episode (the same on every replica
    /// that shares the baseline), so a consumer sees one id per source and episode.
    public static func source(bucket: String, template: String, check: String, episode: Date?) -> String {
        let episodeText = episode.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? "-"
        return make(bucket: bucket, key: "\u{0}source\u{0}" + template, eTag: check + "@" + episodeText)
    }
}
