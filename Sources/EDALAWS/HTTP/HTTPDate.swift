import Foundation

/// Parsers for the two timestamp forms AWS uses on the wire, written by hand to stay off
/// `DateFormatter` on hot paths.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses an RFC 7231 IMF-fixdate, `Wed, 25 Nov 2026 00:22:56 GMT` (the `Last-Modified` header).
    public static func parseRFC1123(_ string: String) -> Date? {
        let parts = string.split(separator: " ")
        guard parts.count >= 5, let day = Int(parts[1]), let year = Int(parts[3]),
            let month = months.firstIndex(of: parts[2].lowercased())
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]) else {
            return nil
        }
        let civil = CivilTime(year: year, month: month + 1, day: day, hour: hour, minute: minute, second: second)
        return Date(timeIntervalSince1970: TimeInterval(civil.epochSeconds))
    }

    /// Formats `date` as ISO 8601 in UTC with milliseconds, `2026-11-25T00:22:56.123Z` (as S3 events write it).
    public static func formatISO8601(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let civil = CivilTime(epochSeconds: seconds)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", civil.year, civil.month, civil.day, civil.hour, civil.minute,
            civil.second, Int(milliseconds - seconds * 1000))
    }

    /// Parses ISO 8601 in UTC, `2026-11-25T00:22:56.123Z` (S3 listings), fraction optional.
    public static func parseISO8601(_ string: String) -> Date? {
        let utf8 = Array(string.utf8)
        guard utf8.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(utf8[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var fraction = 0.0
        var index = 19
        if index < utf8.count, utf8[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < utf8.count, (48...57).contains(utf8[index]) {
                fraction += Double(utf8[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < utf8.count, utf8[index] == UInt8(ascii: "Z") || utf8[index] == UInt8(ascii: "+") else {
            return nil
        }
        let civil = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return Date(timeIntervalSince1970: TimeInterval(civil.epochSeconds) + fraction)
    }
}
