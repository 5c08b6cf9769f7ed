import Foundation

/// What a source delivered over the last two weeks, by the hour, and how large its objects were,
/// by the UTC day: the long memory its 256 recent arrivals lack (about a day for a source that
/// delivers every five minutes).
///
/// The weekly rhythm loosens the silence and rate-drop checks where the same hours one or two
/// weeks before were as quiet (a weekend); the daily sizes show a trend no window of recent
/// objects can (sizes doubling over a week). Bounded: `hours` counts and a sum per day, about
/// 1.5 KB per source.
public struct SourceHistory: Sendable, Codable, Equatable {
    /// Two weeks and a day: the same hour one and two weeks back, and the day in progress.
    public static let hours = 15 * 24
    static let week: Double = 7 * 86_400

    /// The hour (since 1970) of the last element of `hourly`.
    public private(set) var through: Int64 = 0
    /// Objects per hour, oldest first, ending at `through`. The first element is the first hour
    /// this history knows: the hour of the source's first object, or the oldest one kept.
    public private(set) var hourly: [UInt32] = []
    /// Per UTC day, the sum of ln(1 + size) of its objects; oldest first, one per day from the day
    /// of the first hour to the day of `through`.
    public private(set) var dailyLogSize: [Double] = []

    enum CodingKeys: String, CodingKey {
        case through = "h"
        case hourly = "c"
        case dailyLogSize = "s"
    }

    public init() {}

    /// The first hour this history knows.
    public var start: Int64 { through - Int64(hourly.count) + 1 }

    /// Counts one object that arrived at `time` (seconds since 1970); objects older than the
    /// history's two weeks are not counted.
    public mutating func record(time: Double, size: Int64) {
        let hour = Self.hour(time)
        if hourly.isEmpty {
            through = hour
            hourly = [0]
            dailyLogSize = [0]
        } else if hour > through {
            resize(start: max(start, hour - Int64(Self.hours) + 1), through: hour)
        } else if hour < start {
            guard hour > through - Int64(Self.hours) else { return }
            resize(start: hour, through: through)
        }
        let index = Int(hour - start)
        hourly[index] = hourly[index] &+ 1
        dailyLogSize[Int(Self.day(hour) - Self.day(start))] += log1p(Double(max(0, size)))
    }

    /// Adds what `other` (the same source, as another replica counted it) knows: per hour the
    /// larger count, per day the sizes of the side that counted more objects that day. Both sides
    /// undercount what neither saw, never count an object twice.
    public mutating func merge(_ other: SourceHistory) {
        guard !other.hourly.isEmpty else { return }
        guard !hourly.isEmpty else {
            self = other
            return
        }
        let mine = self
        let last = max(through, other.through)
        resize(start: max(min(start, other.start), last - Int64(Self.hours) + 1), through: last)
        for hour in start...through {
            hourly[Int(hour - start)] = max(mine.count(hour) ?? 0, other.count(hour) ?? 0)
        }
        for day in Self.day(start)...Self.day(through) {
            let (ours, theirs) = (mine.dayCount(day), other.dayCount(day))
            if theirs > ours, let sizes = other.logSize(day) { dailyLogSize[Int(day - Self.day(start))] = sizes }
        }
    }

    /// Objects in the hour `hour`; `nil` outside what this history knows.
    public func count(_ hour: Int64) -> UInt32? {
        guard !hourly.isEmpty, hour >= start, hour <= through else { return nil }
        return hourly[Int(hour - start)]
    }

    /// How many objects arrived between `from` and `to` (seconds since 1970) one week earlier, or
    /// two weeks earlier, whichever was more: what this source usually delivers at that time of the
    /// week. `nil` when the history does not reach back over the whole span a week before.
    public func weeklyObjects(from: Double, to: Double) -> Double? {
        var most: Double?
        for weeks in 1...2 {
            guard let objects = objects(from: from - Double(weeks) * Self.week, to: to - Double(weeks) * Self.week)
            else { continue }
            most = max(most ?? 0, objects)
        }
        return most
    }

    /// Seconds after `time` by which the source delivered `objects` objects one week earlier, or
    /// two weeks earlier, whichever came sooner; at most `limit`. `nil` when the history does not
    /// reach back to `time` a week before.
    public func weeklyTimeToDeliver(_ objects: Double, after time: Double, limit: Double) -> Double? {
        var soonest: Double?
        for weeks in 1...2 {
            guard let seconds = timeToDeliver(objects, after: time - Double(weeks) * Self.week, limit: limit) else {
                continue
            }
            soonest = min(soonest ?? limit, seconds)
        }
        return soonest
    }

    /// Whether this history knows the hour one week before `time`.
    public func reachesBackAWeek(from time: Double) -> Bool {
        !hourly.isEmpty && Self.hour(time - Self.week) > start
    }

    /// For each of the last `days` complete UTC days, how far its mean ln(1 + size) lies from the
    /// same weekday one week before (so a weekly pattern in sizes is no trend); `nil` when any of
    /// those days, or its week-earlier twin, is not wholly known or had fewer than `minimumObjects`.
    public func weekOverWeekSizes(days: Int, minimumObjects: UInt32) -> [Double]? {
        let today = Self.day(through)
        var changes: [Double] = []
        for back in 1...max(1, days) {
            let day = today - Int64(back)
            guard let now = meanLogSize(day, minimumObjects), let then = meanLogSize(day - 7, minimumObjects) else {
                return nil
            }
            changes.append(now - then)
        }
        return changes
    }

    /// The UTC day of `time` (days since 1970).
    public static func day(of time: Double) -> Int64 { day(hour(time)) }

    // MARK: - Internals

    static func hour(_ time: Double) -> Int64 { Int64((time / 3600).rounded(.down)) }
    static func day(_ hour: Int64) -> Int64 { hour >= 0 ? hour / 24 : (hour - 23) / 24 }

    /// Re-lays the arrays over the hours `start...through`, keeping what they knew there.
    private mutating func resize(start newStart: Int64, through newThrough: Int64) {
        let old = self
        through = newThrough
        hourly = [UInt32](repeating: 0, count: Int(newThrough - newStart + 1))
        let (kept, keptThrough) = (max(newStart, old.start), min(newThrough, old.through))
        if kept <= keptThrough {
            for hour in kept...keptThrough { hourly[Int(hour - newStart)] = old.hourly[Int(hour - old.start)] }
        }
        let firstDay = Self.day(newStart)
        dailyLogSize = [Double](repeating: 0, count: Int(Self.day(newThrough) - firstDay + 1))
        for day in firstDay...Self.day(newThrough) {
            if let sizes = old.logSize(day) { dailyLogSize[Int(day - firstDay)] = sizes }
        }
    }

    private func logSize(_ day: Int64) -> Double? {
        guard !hourly.isEmpty else { return nil }
        let index = day - Self.day(start)
        return index >= 0 && index < dailyLogSize.count ? dailyLogSize[Int(index)] : nil
    }

    private func dayCount(_ day: Int64) -> UInt32 {
        (day * 24..<(day + 1) * 24).reduce(0) { $0 &+ (count($1) ?? 0) }
    }

    private func meanLogSize(_ day: Int64, _ minimumObjects: UInt32) -> Double? {
        // Wholly known: a source's first day began part-way, and its hours skew the mean.
        guard day * 24 >= start, (day + 1) * 24 - 1 <= through, let sizes = logSize(day) else { return nil }
        let objects = dayCount(day)
        return objects >= max(1, minimumObjects) ? sizes / Double(objects) : nil
    }

    /// Objects between `from` and `to`, an hour's count spread evenly over it; `nil` unless the
    /// span lies in hours wholly known (the first hour began when the source did).
    public func objects(from: Double, to: Double) -> Double? {
        guard !hourly.isEmpty, to > from, Self.hour(from) > start, Self.hour(to) <= through else { return nil }
        var total = 0.0
        var position = from
        while position < to {
            let hour = Self.hour(position)
            let end = min(to, Double(hour + 1) * 3600)
            total += Double(count(hour) ?? 0) * (end - position) / 3600
            position = end
        }
        return total
    }

    /// The count of `hour` as a rate: the smaller of its mean with the hour before and its mean
    /// with the hour after. A producer every 30 minutes with a minute of jitter puts 3 objects in
    /// one hour and 1 in the next, and a wait read from the busier hour alone is a third short (a
    /// false Sunday silence on VPC-shaped sources); where the rate really changes (a weekend
    /// begins or ends) the smaller mean is the quiet side's, so the smoothing never shortens a
    /// quiet hour's wait.
    private func smoothedCount(_ hour: Int64) -> Double {
        guard let own = count(hour).map(Double.init) else { return 0 }
        let before = count(hour - 1).map { (Double($0) + own) / 2 } ?? own
        let after = count(hour + 1).map { (Double($0) + own) / 2 } ?? own
        return min(before, after)
    }

    private func timeToDeliver(_ objects: Double, after time: Double, limit: Double) -> Double? {
        guard !hourly.isEmpty, Self.hour(time) > start, Self.hour(time) <= through else { return nil }
        var delivered = 0.0
        var position = time
        while position - time < limit, Self.hour(position) <= through {
            let hour = Self.hour(position)
            let end = Double(hour + 1) * 3600
            let rate = smoothedCount(hour) / 3600
            if rate > 0, delivered + rate * (end - position) >= objects {
                return min(limit, position + (objects - delivered) / rate - time)
            }
            delivered += rate * (end - position)
            position = end
        }
        return limit
    }
}
