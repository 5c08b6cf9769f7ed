import Foundation

/// The two renderings of a signing time SigV4 needs: `20150830T123600Z` and `20150830`.
struct SigV4Timestamp: Sendable {
    let amzDate: String
    let day: String

    init(_ date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let civil = CivilTime(epochSeconds: seconds)
        let day = civil.yyyymmdd
        self.day = day
        self.amzDate =
            day + "T" + CivilTime.twoDigits(civil.hour) + CivilTime.twoDigits(civil.minute)
            + CivilTime.twoDigits(civil.second) + "Z"
    }
}

/// A UTC calendar time computed arithmetically (no `DateFormatter`, no locale, no allocation-heavy
/// calendar), used on hot paths such as signing.
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Converts seconds since 1970 to a UTC civil time (Howard Hinnant's days-from-civil inverse).
    public init(epochSeconds: Int64) {
        var days = epochSeconds / 86_400
        var rest = epochSeconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        hour = Int(rest / 3600)
        minute = Int(rest % 3600 / 60)
        second = Int(rest % 60)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// Seconds since 1970 for this UTC civil time.
    var epochSeconds: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
    }

    var yyyymmdd: String {
        String(year) + Self.twoDigits(month) + Self.twoDigits(day)
    }

    public static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }
}
