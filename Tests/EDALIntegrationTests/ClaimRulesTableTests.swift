import Foundation
import Testing

@testable import EDALState

/// The claim rules as a table — what is stored for a key × what a new request says → the answer —
/// checked against `ClaimRules.decide` (which SQLite and the simulation's store apply) and against
/// each store's answer, MongoDB's coming from filters generated from the same rules. A rule whose
/// generated filter or application differs fails here.
@Suite("claim rules, one table", .timeLimit(.minutes(5)))
struct ClaimRulesTableTests {
    /// What the store holds before the request: the claim that put it there and how its work stands.
    struct Stored: Sendable {
        enum Work: Sendable {
            case done(ClaimCompletion.Outcome)
            case processingLive
            case processingExpired
        }

        var request: ClaimRequest
        var work: Work
    }

    /// The answer a request gets, as the worker acts on it.
    enum Answer: String, Sendable {
        case claimed, takenOver, duplicate, inProgress, stale

        init(_ outcome: ClaimOutcome) {
            switch outcome {
            case .claimed: self = .claimed
            case .takenOver: self = .takenOver
            case .duplicate: self = .duplicate
            case .inProgress: self = .inProgress
            case .stale: self = .stale
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var stored: Stored?
        var request: ClaimRequest
        var answer: Answer
        var testDescription: String { name }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func request(
        _ eTag: String, sequencer: String? = nil, versionId: String? = nil, lastModified: Date? = nil,
        eventTime: Date? = nil
    ) -> ClaimRequest {
        ClaimRequest(
            bucket: "rules", key: "k", eTag: eTag, sequencer: sequencer, versionId: versionId,
            lastModified: lastModified, eventTime: eventTime)
    }

    static let signalled = ClaimCompletion.Outcome.signalled(signalId: "s")

    /// The rules. Read down the table to know what EDAL does with a notification or a listed object.
    static let cases: [Case] = [
        Case(name: "nothing stored: claimed", stored: nil, request: request("e1"), answer: .claimed),
        Case(
            name: "same content signalled: duplicate", stored: Stored(request: request("e1"), work: .done(signalled)),
            request: request("e1"), answer: .duplicate),
        Case(
            name: "same content judged normal: duplicate",
            stored: Stored(request: request("e1"), work: .done(.notAnomalous)), request: request("e1"),
            answer: .duplicate),
        Case(
            name: "same content superseded: duplicate",
            stored: Stored(request: request("e1"), work: .done(.superseded)), request: request("e1"), answer: .duplicate
        ),
        Case(
            name: "other content after done: claimed", stored: Stored(request: request("e1"), work: .done(signalled)),
            request: request("e2"), answer: .claimed),
        Case(
            name: "same content, object was gone: claimed again",
            stored: Stored(request: request("e1"), work: .done(.objectGone)), request: request("e1"), answer: .claimed),
        Case(
            name: "same content under a live lease: in progress",
            stored: Stored(request: request("e1"), work: .processingLive), request: request("e1"), answer: .inProgress),
        Case(
            name: "same content under an expired lease: taken over",
            stored: Stored(request: request("e1"), work: .processingExpired), request: request("e1"), answer: .takenOver
        ),
        Case(
            name: "other content under a live lease: claimed",
            stored: Stored(request: request("e1"), work: .processingLive), request: request("e2"), answer: .claimed),
        Case(
            name: "other content under an expired lease: claimed",
            stored: Stored(request: request("e1"), work: .processingExpired), request: request("e2"), answer: .claimed),
        Case(
            name: "older sequencer, other content: stale",
            stored: Stored(request: request("e1", sequencer: "0002"), work: .done(signalled)),
            request: request("e2", sequencer: "0001"), answer: .stale),
        Case(
            name: "older sequencer, same content: stale",
            stored: Stored(request: request("e1", sequencer: "0002"), work: .done(signalled)),
            request: request("e1", sequencer: "0001"), answer: .stale),
        Case(
            name: "sequencers compare as hex numbers of any length: 0FF before 100",
            stored: Stored(request: request("e1", sequencer: "100"), work: .done(signalled)),
            request: request("e2", sequencer: "0FF"), answer: .stale),
        Case(
            name: "newer sequencer, other content: claimed",
            stored: Stored(request: request("e1", sequencer: "0001"), work: .done(signalled)),
            request: request("e2", sequencer: "0002"), answer: .claimed),
        Case(
            name: "newer sequencer, same content: duplicate",
            stored: Stored(request: request("e1", sequencer: "0001"), work: .done(signalled)),
            request: request("e1", sequencer: "0002"), answer: .duplicate),
        Case(
            name: "older sequencer under an expired lease: stale",
            stored: Stored(request: request("e1", sequencer: "0002"), work: .processingExpired),
            request: request("e1", sequencer: "0001"), answer: .stale),
        Case(
            name: "a write that finished before the recorded content was written: stale",
            stored: Stored(request: request("e1", lastModified: t0), work: .done(signalled)),
            request: request("e2", eventTime: t0.addingTimeInterval(-10)), answer: .stale),
        Case(
            name: "a write that finished after: same content is a duplicate",
            stored: Stored(request: request("e1", lastModified: t0), work: .done(signalled)),
            request: request("e1", eventTime: t0.addingTimeInterval(1)), answer: .duplicate),
        Case(
            name: "same ETag listed with a later LastModified: rewritten, claimed",
            stored: Stored(request: request("e1", lastModified: t0), work: .done(signalled)),
            request: request("e1", lastModified: t0.addingTimeInterval(5)), answer: .claimed),
        Case(
            name: "same ETag listed with the same LastModified: duplicate",
            stored: Stored(request: request("e1", lastModified: t0), work: .done(signalled)),
            request: request("e1", lastModified: t0), answer: .duplicate),
        Case(
            name: "same ETag, another version id: claimed",
            stored: Stored(request: request("e1", versionId: "v1"), work: .done(signalled)),
            request: request("e1", versionId: "v2"), answer: .claimed),
        Case(
            name: "same ETag, same version id: duplicate",
            stored: Stored(request: request("e1", versionId: "v1"), work: .done(signalled)),
            request: request("e1", versionId: "v1"), answer: .duplicate),
        Case(
            name: "same ETag, version id only on one side: duplicate",
            stored: Stored(request: request("e1"), work: .done(signalled)),
            request: request("e1", versionId: "v1"), answer: .duplicate),
    ]

    @Test("every rule answers the same in ClaimRules, SQLite and MongoDB", arguments: StoreUnderTest.all, cases)
    func table(_ store: StoreUnderTest, _ rule: Case) async throws {
        // SQLite in a plain `swift test`; MongoDB where the test services (or EDAL_TEST_MONGO_URI) are.
        try await store.withStore { opened, _ in
            let request = rule.request
            if let stored = rule.stored {
                let lease: Duration = {
                    if case .processingExpired = stored.work { return .milliseconds(1) }
                    return .seconds(60)
                }()
                let ticket = try #require(
                    try await opened.claim([stored.request], owner: "first", lease: lease).first?.ticket)
                if case .done(let outcome) = stored.work {
                    #expect(try await opened.complete([ClaimCompletion(ticket: ticket, outcome: outcome)]) == [true])
                }
                if case .processingExpired = stored.work { try await Task.sleep(for: .milliseconds(50)) }
            }
            // ClaimRules, on what the store holds now.
            let held = try await opened.storedClaim(bucket: request.bucket, key: request.key).map { claim in
                ClaimRules.Held(
                    eTag: claim.eTag, orderedSequencer: claim.sequencer, status: claim.status,
                    leaseExpiresAt: claim.leaseExpiresAt,
                    versionId: claim.versionId, lastModified: claim.lastModified,
                    gone: claim.outcome == ClaimCompletion.Outcome.objectGone.label)
            }
            let decided = ClaimRules.decide(request, held: held, now: Date())
            let ruled: Answer =
                switch decided {
                case .insert, .newContent: .claimed
                case .takeOver: .takenOver
                case .stale: .stale
                case .duplicate: held?.status == .processing ? .inProgress : .duplicate
                }
            #expect(ruled == rule.answer, "ClaimRules: \(decided)")
            // The store itself.
            let answered = try #require(try await opened.claim([request], owner: "second", lease: .seconds(60)).first)
            #expect(Answer(answered) == rule.answer, "\(store): \(answered)")
        }
    }
}
