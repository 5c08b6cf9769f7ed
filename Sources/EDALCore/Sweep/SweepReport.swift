/// What one sweep of one watched location did.
public struct SweepReport: Sendable, Equatable {
    public var location: WatchedLocation
    /// `false` when another replica holds this window's sweep lease (nothing was done here).
    public var swept: Bool
    public var prefixesListed: Int = 0
    public var objectsListed: Int = 0
    /// Objects newer than the watermark minus the overlap, sent through the pipeline.
    public var candidates: Int = 0
    /// Candidates the pipeline finished (duplicates of the notification path included).
    public var finished: Int = 0
    /// Candidates left for the next sweep (store, HEAD or sinks failing).
    public var unfinished: Int = 0
    public var watermarkAdvanced: Bool = false
    public var error: String?

    public init(location: WatchedLocation, swept: Bool) {
        self.location = location
        self.swept = swept
    }
}
