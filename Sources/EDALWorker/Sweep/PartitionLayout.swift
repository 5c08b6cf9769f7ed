import EDALAWS
import Foundation

/// How keys below a watched prefix are partitioned, so a sweep lists only the partitions that can
/// hold recent objects instead of the whole bucket.
///
/// Written as path segments: `*` is any one segment (discovered with a delimiter listing), a segment
/// with `%Y %m %d %H` is a UTC time partition (`%Y/%m/%d/%H`, `dt=%Y-%m-%d`, `hour=%H`), anything
/// else is literal. Time segments come last. EDAL's generator writes `*/*/%Y/%m/%d/%H/`
/// (kind/service/year/month/day/hour).
public struct PartitionLayout: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case any
        case literal(String)
        case time(String)
    }

    enum Unit: Int, Sendable, Comparable {
        case year, month, day, hour
        static func < (lhs: Unit, rhs: Unit) -> Bool { lhs.rawValue < rhs.rawValue }
        var seconds: Int64 { self == .hour ? 3600 : 86_400 }
    }

    let segments: [Segment]
    let finestUnit: Unit

    public init(parsing text: String) throws(SettingsError) {
        var segments: [Segment] = []
        var finest: Unit?
        for part in text.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if part == "*" {
                guard finest == nil else {
                    throw SettingsError(
                        setting: "EDAL_SWEEP_PARTITIONS", problem: "\(text): time segments (%Y %m %d %H) must come last"
                    )
                }
                segments.append(.any)
            } else if part.contains("%") {
                for (token, unit) in [("%Y", Unit.year), ("%m", .month), ("%d", .day), ("%H", .hour)]
                where part.contains(token) {
                    finest = max(finest ?? unit, unit)
                }
                let stripped = part.replacingOccurrences(of: "%Y", with: "").replacingOccurrences(of: "%m", with: "")
                    .replacingOccurrences(of: "%d", with: "").replacingOccurrences(of: "%H", with: "")
                guard !stripped.contains("%") else {
                    throw SettingsError(
                        setting: "EDAL_SWEEP_PARTITIONS", problem: "\(part): only %Y, %m, %d and %H are understood")
                }
                segments.append(.time(part))
            } else {
                guard finest == nil else {
                    throw SettingsError(
                        setting: "EDAL_SWEEP_PARTITIONS", problem: "\(text): time segments (%Y %m %d %H) must come last"
                    )
                }
                segments.append(.literal(part))
            }
        }
        guard let finest else {
            throw SettingsError(
                setting: "EDAL_SWEEP_PARTITIONS",
                problem: "\(text) has no time segment (%Y, %m, %d, %H): nothing to narrow the listing by")
        }
        self.segments = segments
        self.finestUnit = finest
    }

    /// The time part of the prefix for every partition that can hold objects written in `since...until`, oldest first.
    func timePrefixes(since: Date, until: Date) -> [String] {
        let timeSegments = segments.compactMap { segment -> String? in
            if case .time(let pattern) = segment { return pattern }
            return nil
        }
        let step = finestUnit.seconds
        var seconds = Int64(since.timeIntervalSince1970.rounded(.down))
        seconds -= ((seconds % step) + step) % step
        let end = Int64(until.timeIntervalSince1970.rounded(.down))
        var prefixes: [String] = []
        var seen: Set<String> = []
        while seconds <= end {
            let civil = CivilTime(epochSeconds: seconds)
            let rendered =
                timeSegments.map { pattern in
                    pattern.replacingOccurrences(of: "%Y", with: String(format: "%04d", civil.year))
                        .replacingOccurrences(of: "%m", with: String(format: "%02d", civil.month))
                        .replacingOccurrences(of: "%d", with: String(format: "%02d", civil.day))
                        .replacingOccurrences(of: "%H", with: String(format: "%02d", civil.hour))
                }.joined(separator: "/") + "/"
            if seen.insert(rendered).inserted { prefixes.append(rendered) }
            seconds += step
        }
        return prefixes
    }

    /// The non-time segments, in order.
    var leadingSegments: [Segment] {
        segments.filter { if case .time = $0 { return false } else { return true } }
    }
}
