import EDALAWS
import EDALState

/// One claimed object on its way through the pipeline: claimed → headed → judged → published →
/// completed. Each stage fills in what it learnt; the counts are read from the records at the end,
/// not kept beside them.
struct ClaimedObject: Sendable {
    /// Where the object stands.
    enum Stage: Sendable {
        /// Claimed; nothing learnt yet.
        case claimed
        /// HEAD answered with what is there now.
        case headed(S3ObjectHead)
        /// Judged: `signal` to publish (an anomaly, or every object in continuous mode), or none.
        case judged(S3ObjectHead, signal: Signal?)
        /// Its outcome is known and waits to be recorded in the store.
        case completing(ClaimCompletion)
        /// Finished or given back: the answer for its message.
        case ended(ObjectResult)
    }

    /// Its place in the batch `ObjectPipeline.process` was given.
    let position: Int
    let candidate: ObjectCandidate
    let ticket: ClaimTicket
    var stage: Stage = .claimed
    /// The claim goes back to the store at once (the work failed before a signal was out).
    var releases = false
    /// HEAD found other content than the event named (a newer write, processed in its place).
    var superseded = false
    /// Judged anomalous.
    var anomalous = false
    /// HEAD was sent for it.
    var headed = false
    /// HEAD found no object.
    var gone = false
    /// Judged against its source.
    var scored = false
    /// Where its signal went, once published.
    var delivery: SignalDelivery?

    init(position: Int, candidate: ObjectCandidate, ticket: ClaimTicket) {
        self.position = position
        self.candidate = candidate
        self.ticket = ticket
    }

    /// Ends the work with `reason`, giving the claim back.
    mutating func giveBack(_ reason: ObjectResult.Unfinished) {
        releases = true
        stage = .ended(.retryLater(reason))
    }

    /// Its outcome, to be recorded.
    mutating func complete(_ outcome: ClaimCompletion.Outcome, head: S3ObjectHead? = nil) {
        stage = .completing(
            ClaimCompletion(
                ticket: ticket, outcome: outcome, lastModified: head?.lastModified,
                versionId: head?.versionId, eTag: head?.eTag))
    }

    var result: ObjectResult? {
        if case .ended(let result) = stage { return result }
        return nil
    }
}
