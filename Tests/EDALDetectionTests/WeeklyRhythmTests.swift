import EDALTools
import Foundation
import Testing

@testable import EDALDetection

@Suite("Two weeks of history: weekly rhythm and size trends")
struct WeeklyRhythmTests {
    /// A Wednesday, 11:06 UTC.
    static let start = SourceRegistryTests.start.timeIntervalSince1970
    static let day = 86_400.0

    /// Saturday or Sunday, UTC.
    static func isWeekend(_ time: Double) -> Bool {
        let weekday = Int((time / day).rounded(.down)) % 7
        return weekday == 2 || weekday == 3
    }

    /// One CloudTrail-shaped producer per region.
    struct Producer {
        var region: String
        /// Days after `start` it begins.
        var from: Double = 0
        /// Its median object size at a time (seconds since 1970).
        var size: (Double) -> Double = { _ in 60_000 }
        /// Whether it skips the delivery due at a time (a node that stopped).
        var skips: (Double) -> Bool = { _ in false }
        /// Seconds between deliveries on weekdays and at weekends, ± `jitter`.
        var weekday: Double = 300
        var weekend: Double = 900
        var jitter: Double = 20
        /// Seconds to its next delivery from one at a time, where that is not the weekday's or
        /// the weekend's (a burst).
        var interval: (Double) -> Double? = { _ in nil }
    }

    /// Every producer delivers every five minutes on weekdays and every fifteen at weekends, for
    /// `days` days; silence is checked every minute. Answers the events with their times.
    static func run(_ producers: [Producer], days: Double) -> [(time: Double, region: String, event: SourceEvent)] {
        var registry = SourceRegistry()
        var random = SeededRandom(seed: 21)
        var due = producers.map { start + $0.from * day + random.uniform(0, 300) }
        var events: [(time: Double, region: String, event: SourceEvent)] = []
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd|yyyyMMdd'T'HHmm"
        var clock = start
        let end = start + days * day
        while clock < end {
            clock += 60
            for event in registry.checkSilence(now: Date(timeIntervalSince1970: clock)) {
                events.append((clock, producers.first { event.sourceId.contains($0.region) }?.region ?? "?", event))
            }
            for (index, producer) in producers.enumerated() {
                guard due[index] <= clock else { continue }
                let time = due[index]
                due[index] +=
                    producer.interval(time) ?? (isWeekend(time) ? producer.weekend : producer.weekday)
                    + random.uniform(-producer.jitter, producer.jitter)
                if producer.skips(time) { continue }
                let parts = formatter.string(from: Date(timeIntervalSince1970: time)).split(separator: "|")
                let key =
                    "AWSLogs/123456789012/CloudTrail/\(producer.region)/\(parts[0])/123456789012_CloudTrail_\(producer.region)_\(parts[1])Z_\(String(random.next(), radix: 36)).json.gz"
                let size = Int64(random.logNormal(median: producer.size(time), sigma: 0.3))
                let object = ObjectObservation(
                    bucket: "trail", key: key, eTag: String(random.next(), radix: 16), size: size,
                    lastModified: Date(timeIntervalSince1970: time), contentType: "application/json",
                    writer: "AWS:AROA1:delivery")
                for event in registry.observe(object).events { events.append((time, producer.region, event)) }
            }
        }
        return events
    }

    static let rhythmChecks: Set<SourceCheck> = [.silentSource, .rateDrop, .burst]

    @Test(
        "a weekend a third as busy is news the first time, then raises nothing; a source younger than a week follows its bucket; a node stopping on a weekend is still a rate drop"
    )
    func weekends() {
        let (start, day) = (Self.start, Self.day)
        // Days 3–4, 10–11 and 17–18 after the start are weekends.
        let dropFrom = start + 17 * day + 4 * 3600
        let dropTo = dropFrom + 4 * 3600
        var delivery = 0
        let events = Self.run(
            [
                Producer(region: "us-east-1"),
                Producer(region: "eu-west-1", from: 9),
                Producer(
                    region: "ap-south-1",
                    skips: { time in
                        delivery += 1
                        return time >= dropFrom && time < dropTo && delivery % 2 == 0
                    }),
            ], days: 20)
        let rhythm = events.filter { Self.rhythmChecks.contains($0.event.finding.check) }
        // Its first weekend: EDAL has no week to compare with (a limit docs/detection.md states).
        let firstWeekend = rhythm.filter { $0.region == "us-east-1" && $0.time < start + 6 * day }
        #expect(!firstWeekend.isEmpty)
        // …once: a silence that ended soon after it was declared makes the next one wait longer
        // than it lasted, so the slower pace is not a silence and a resumption at every gap.
        #expect(firstWeekend.count <= 3, "\(firstWeekend.map(\.event.finding.detail))")
        let later = rhythm.filter { $0.time >= start + 8 * day }
        let others = later.filter { $0.region != "ap-south-1" }.map { "\($0.region) \($0.event.finding.detail)" }
        #expect(others.isEmpty, "\(others)")
        let drops = later.filter { $0.region == "ap-south-1" }
        let details: [String] = drops.map { $0.event.finding.detail }
        #expect(drops.count == 1, "\(details)")
        #expect(
            drops.allSatisfy { $0.event.finding.check == .rateDrop && $0.time >= dropFrom && $0.time <= dropTo },
            "\(details)")
    }

    @Test(
        "half a weekend's deliveries missing is no silence, though hourly counts of a half-hourly producer alternate; a weekend's silence still is one"
    )
    func weekendAtHalfRate() {
        let (start, day) = (Self.start, Self.day)
        // Every 10 minutes on weekdays, every 30 ± 1 at weekends (so one hour holds 3 objects and
        // the next 1): on the third weekend's Sunday every other delivery stops for four hours,
        // and on its Saturday all of them for three.
        let halfFrom = start + 18 * day + 4 * 3600
        let halfTo = halfFrom + 4 * 3600
        let silentFrom = start + 17 * day + 9 * 3600
        let silentTo = silentFrom + 3 * 3600
        var delivery = 0
        let events = Self.run(
            [
                Producer(
                    region: "us-east-2",
                    skips: { time in
                        delivery += 1
                        return (time >= halfFrom && time < halfTo && delivery % 2 == 0)
                            || (time >= silentFrom && time < silentTo)
                    }, weekday: 600, weekend: 1_800, jitter: 60)
            ], days: 20)
        let later = events.filter { $0.time >= start + 8 * day && Self.rhythmChecks.contains($0.event.finding.check) }
        let silences = later.filter { $0.event.finding.check == .silentSource }
        let details = later.map { "\(Date(timeIntervalSince1970: $0.time)) \($0.event.finding.detail)" }
        #expect(silences.count == 1, "\(details)")
        #expect(silences.allSatisfy { $0.time >= silentFrom && $0.time <= silentTo }, "\(details)")
    }

    @Test(
        "a rate drop expects what the same hours of the week before held wherever that is fewer than recent arrivals make usual"
    )
    func rateWindowTakesAQuieterWeek() throws {
        // A delivery every 10 minutes for fifteen days, except the same two hours one and two
        // weeks before the end, which held one every 12 minutes: 10 objects where recent arrivals
        // make 12 usual.
        // (Only a week clearly quieter was taken, under three quarters: after a Sunday burst a
        // VPC-shaped source delivering what the Monday before did was a false drop at 00:35.)
        let end = Self.start + 15 * Self.day
        let quieterFrom = end - 7 * Self.day - 7_200
        let quieterTo = end - 7 * Self.day
        var baseline = SourceBaseline(
            id: "s", bucket: "b", template: "vpc/{date}/{n}.log.gz", producer: nil,
            firstSeen: Date(timeIntervalSince1970: Self.start))
        var time = Self.start
        var index = 0
        while time <= end {
            baseline.record(SizeCheckTests.observation(index, size: 50_000, at: time), embeddedTime: nil)
            let quieter = [0.0, 7 * Self.day].contains { time >= quieterFrom - $0 && time < quieterTo - $0 }
            time += quieter ? 720 : 600
            index += 1
        }
        var profile = SourceProfile(baseline, trainModel: false)
        profile.refreshSizes(baseline)
        let rates = try #require(
            SourceDetector().rateWindow(baseline, profile: profile, at: Date(timeIntervalSince1970: end), bucket: nil))
        let weekly = try #require(baseline.history?.weeklyObjects(from: end - rates.window, to: end))
        #expect(rates.window == 7_200)
        #expect(weekly < 11 && weekly > 9, "\(weekly)")
        #expect(rates.expected == weekly, "expected \(rates.expected), the week before \(weekly)")
    }

    @Test(
        "a timer's last slow gaps running into a busier hour are no missed deliveries: the week before is read by the quietest hour around them"
    )
    func missedDeliveriesAcrossARateChange() throws {
        // Every 10 minutes for fifteen days, except the same hours one and two weeks before the
        // end, which were a weekend's end: one every 30 minutes until 40 minutes before the end's
        // time, then every 10. The last two gaps before the end are 1,900 s, a weekend's pace
        // running 20 minutes into the busier hour (as a producer that times its next delivery
        // from the last does); the week's hourly counts, spread evenly over each hour, made that
        // busier hour's start look busy too: a false rate drop on a VPC-shaped source at Monday 00:29.
        let end = Self.start + 15 * Self.day
        var baseline = SourceBaseline(
            id: "s", bucket: "b", template: "vpc/{date}/{n}.log.gz", producer: nil,
            firstSeen: Date(timeIntervalSince1970: Self.start))
        var time = Self.start
        var index = 0
        func record(_ at: Double) {
            baseline.record(SizeCheckTests.observation(index, size: 50_000, at: at), embeddedTime: nil)
            index += 1
        }
        while time < end - 2 * 1_900 {
            record(time)
            let quiet = [7.0, 14.0].contains { weeks in
                let weekEnd: Double = end - weeks * Self.day
                return time >= weekEnd - 21_600 && time < weekEnd - 2_400
            }
            time += quiet ? 1_800 : 600
        }
        for at in [end - 2 * 1_900, end - 1_900, end] { record(at) }
        let profile = SourceProfile(baseline, trainModel: false)
        let drop = SourceDetector().rateDrop(baseline, profile: profile, at: Date(timeIntervalSince1970: end))
        #expect(drop == nil, "\(drop?.detail ?? "")")
    }

    @Test("sizes doubling over a week are one size_trend; sizes a third as large every weekend are none")
    func sizeTrend() {
        let day = Self.day
        let growFrom = Self.start + 14 * day
        let events = Self.run(
            [
                Producer(region: "us-east-1", size: { time in 60_000 * pow(2, max(0, time - growFrom) / (7 * day)) }),
                Producer(region: "eu-west-1", size: { time in Self.isWeekend(time) ? 20_000 : 60_000 }),
                Producer(region: "ap-south-1"),
            ], days: 22)
        let trends = events.filter { $0.event.finding.check == SourceCheck.sizeTrend }
        let details: [String] = trends.map { "\($0.region) \($0.event.finding.detail)" }
        #expect(trends.count == 1, "\(details)")
        #expect(trends.first?.region == "us-east-1")
        #expect((trends.first?.event.finding.observed ?? 0) >= 1.5)
        #expect((trends.first?.time ?? 0) > growFrom)
    }
}

@Suite("SourceHistory")
struct SourceHistoryTests {
    static let hour = 3600.0
    static let base = 1_795_000_000.0 - 1_795_000_000.0.truncatingRemainder(dividingBy: 86_400)

    @Test("counts by the hour, keeps fifteen days, takes late objects within them and drops older ones")
    func bounded() {
        var history = SourceHistory()
        history.record(time: Self.base + 10, size: 100)
        history.record(time: Self.base + 20, size: 100)
        history.record(time: Self.base + Self.hour + 5, size: 100)
        #expect(history.count(SourceHistory.hour(Self.base)) == 2)
        #expect(history.count(SourceHistory.hour(Self.base) + 1) == 1)
        // Earlier, out of order: the history reaches back to it.
        history.record(time: Self.base - 5 * Self.hour, size: 100)
        #expect(history.count(SourceHistory.hour(Self.base) - 5) == 1)
        #expect(history.count(SourceHistory.hour(Self.base) - 4) == 0)
        // Twenty days later: only fifteen days kept, an object from before them is not counted.
        history.record(time: Self.base + 20 * 86_400, size: 100)
        #expect(history.hourly.count == SourceHistory.hours)
        #expect(history.count(SourceHistory.hour(Self.base)) == nil)
        let before = history
        history.record(time: Self.base + 2 * 86_400, size: 100)
        #expect(history == before)
        #expect(history.dailyLogSize.count <= SourceHistory.hours / 24 + 1)
    }

    @Test("merging takes the larger count per hour, so merging a copy of itself changes nothing; it survives JSON")
    func merging() throws {
        var mine = SourceHistory()
        var theirs = SourceHistory()
        for minute in stride(from: 0.0, to: 180, by: 5) { mine.record(time: Self.base + minute * 60, size: 1000) }
        for minute in stride(from: 120.0, to: 300, by: 10) { theirs.record(time: Self.base + minute * 60, size: 1000) }
        var merged = mine
        merged.merge(mine)
        #expect(merged == mine)
        merged.merge(theirs)
        let first = SourceHistory.hour(Self.base)
        #expect(merged.count(first) == 12)
        #expect(merged.count(first + 2) == 12)
        #expect(merged.count(first + 3) == 6)
        #expect(merged.count(first + 4) == 6)
        let decoded = try JSONDecoder().decode(SourceHistory.self, from: JSONEncoder().encode(merged))
        #expect(decoded == merged)
    }

    @Test("a week later it tells how many objects the same hours held, and how long a number of them took")
    func weekly() {
        var history = SourceHistory()
        // Twelve an hour for a day, then one an hour.
        for minute in stride(from: 0.0, to: 24 * 60, by: 5) {
            history.record(time: Self.base + minute * 60, size: 1000)
        }
        for hour in 24..<(9 * 24) { history.record(time: Self.base + Double(hour) * Self.hour + 1800, size: 1000) }
        let week = 7 * 86_400.0
        #expect(
            history.weeklyObjects(from: Self.base + week + 2 * Self.hour, to: Self.base + week + 4 * Self.hour) == 24)
        #expect(
            history.weeklyObjects(from: Self.base + week + 30 * Self.hour, to: Self.base + week + 32 * Self.hour) == 2)
        // Before the history began: nothing to compare with.
        #expect(history.weeklyObjects(from: Self.base + 2 * Self.hour, to: Self.base + 3 * Self.hour) == nil)
        let seconds = history.weeklyTimeToDeliver(3, after: Self.base + week + 30 * Self.hour, limit: 86_400)
        #expect(seconds.map { abs($0 - 3 * Self.hour) < 1 } == true, "\(String(describing: seconds))")
    }

    @Test(
        "three deliveries of a half-hourly producer whose objects straddle the hour (3 in one, 1 in the next) take about three of its gaps, from any hour"
    )
    func straddlingHours() {
        var history = SourceHistory()
        for pair in 0..<(9 * 12) {
            let even = Self.base + Double(2 * pair) * Self.hour
            for offset in [30.0, 1770, 3570, Self.hour + 1830] { history.record(time: even + offset, size: 1000) }
        }
        let week = 7 * 86_400.0
        for hour in 48..<60 {
            let seconds =
                history.weeklyTimeToDeliver(3, after: Self.base + week + Double(hour) * Self.hour, limit: 86_400) ?? 0
            // Three gaps of 30 minutes are 5,400 s; the busier hour alone would say 3,600.
            #expect(seconds > 4_800 && seconds < 6_600, "from hour \(hour): \(seconds) s")
        }
    }
}
