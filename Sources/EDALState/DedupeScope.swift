/// What counts as "the same object" for deduplication and for signal ids.
public enum DedupeScope: String, Sendable, Equatable, CaseIterable {
    /// Bucket + key + content (the ETag): the same bytes uploaded again to the same key — a
    /// re-upload, or a new version with the same body — are a duplicate, as the proof of concept
    /// promised. The default.
    case content
    /// Bucket + key + content + write: the same bytes written again are new (another version id,
    /// or, from a listing, a later LastModified), so every version gets its own signal.
    case version

    /// `request` as the claim rules should see it: with `.content`, without what tells two writes
    /// of the same ETag apart.
    public func claimRequest(_ request: ClaimRequest) -> ClaimRequest {
        guard self == .content else { return request }
        var request = request
        request.versionId = nil
        request.lastModified = nil
        return request
    }

    /// The version id that goes into a signal id: none with `.content`.
    public func signalVersion(_ versionId: String?) -> String? {
        self == .content ? nil : versionId
    }
}
