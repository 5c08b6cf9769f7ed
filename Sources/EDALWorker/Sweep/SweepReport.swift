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
    /// Candidates left for the next sweep (store, HEAD or sinks failing, or another worker holding them).
    public var unfinished: Int = 0
    /// Unfinished candidates written longer ago than the sweep's give-up age: they no longer hold
    /// the watermark back (logged, counted), so one object that always fails cannot make every
    /// later sweep list everything since it.
    public var abandoned: Int = 0
    public var watermarkAdvanced: Bool = false
    /// Stopped early by shutdown: the watermark did not move.
    public var interrupted: Bool = false
    public var error: String?

    public init(location: WatchedLocation, swept: Bool) {
        self.location = location
        self.swept = swept
    }
}
