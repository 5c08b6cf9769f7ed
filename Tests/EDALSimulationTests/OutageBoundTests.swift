import EDALState
import Foundation
import Testing

/// How long an outage EDAL outlasts before an object's notification reaches the dead-letter
/// queue, measured with the whole worker in the simulation: both sinks down for good, one object,
/// one worker. Its work is held and its message kept hidden until SQS's visibility ceiling (12
/// hours from a receive); then the message comes back and is received again, and the receive after
/// `maxReceiveCount` moves it to the dead-letter queue. So no outage shorter than
/// `maxReceiveCount × ceiling` (60 hours with a `maxReceiveCount` of 5) sends it there; in practice
/// longer, because the receive loops pause while held work keeps failing and so take the message
/// back later than it turns visible. The ceiling is scaled down to 10 minutes so the run is short.
@Suite("outage bound")
struct OutageBoundTests {
    @Test(
        "with every sink down, a held message stays out of the DLQ for at least maxReceiveCount × the visibility ceiling"
    )
    func heldWorkOutlastsMaxReceiveCountCeilings() async {
        let ceiling = Duration.seconds(600)
        let horizon = ceiling * 20
        let thread = LaneThread(name: "outage bound")
        let (movedAt, history) = await Task(executorPreference: thread) { () -> (Duration?, [String]) in
            defer { thread.stop() }
            let scheduler = SimulationScheduler(seed: 7)
            let world = SimulatedWorld(scheduler: scheduler)
            world.visibilityCeiling = ceiling
            world.outages[.kinesis] = [.zero..<(horizon * 2)]
            world.outages[.fallback] = [.zero..<(horizon * 2)]
            let fleet = Fleet(world: world)
            let key = "logs/app/2027/01/15/00/object-0.json"
            scheduler.schedule(at: .seconds(1)) {
                let write = world.write(key: key, content: "content-0")
                world.willNotify(key, write)
                world.notify([(key, write)])
            }
            fleet.start()
            _ = scheduler.drive(until: horizon)
            scheduler.schedule(at: horizon) { fleet.stopAll() }
            _ = scheduler.drive(until: horizon + .seconds(120))
            return (world.deadLetterMessages.first { !$0.malformed }?.deadLetteredAt, scheduler.history)
        }.value
        let receives = history.filter { $0.contains(" RECEIVE m1#") }.map {
            $0.split(separator: " ", omittingEmptySubsequences: true).first.map(String.init) ?? "?"
        }
        let floor = ceiling * SimulatedWorld.defaultMaxReceiveCount
        print(
            "outage bound: with a \(Int(ceiling.seconds)) s visibility ceiling and maxReceiveCount \(SimulatedWorld.defaultMaxReceiveCount), the held message was received at \(receives.joined(separator: ", ")) s and reached the DLQ \(movedAt.map { "at \(Int($0.seconds)) s" } ?? "not within \(Int(horizon.seconds)) s") (floor \(Int(floor.seconds)) s; with SQS's 12 h ceiling: \(12 * SimulatedWorld.defaultMaxReceiveCount) h)"
        )
        #expect(receives.count >= 2, "the message came back after the ceiling: \(history.suffix(40))")
        if let movedAt { #expect(movedAt >= floor, "\(movedAt)") }
    }
}
