import Foundation

/// Turns an object key into its source template: the parts that vary per object become
/// placeholders, the parts that name the producer stay.
///
/// Timestamps are recognised in the spellings producers use (`2026/11/25/14`, `year=2026/month=11`,
/// `dt=2026-11-25`, `2026-11-25-14-05-33`, `2026-11-25T14:05:33Z`, `20261125T1405Z`,
/// `20261125140533`, `202611251405`, `2026112514`, epoch seconds and milliseconds); then UUIDs, IPv4 addresses, hex and random
/// tokens and sequence numbers. Twelve-digit account ids, regions (`us-east-1`) and names stay.
/// The documented layouts of AWS log deliveries and common shippers (`KnownLayouts`) name the
/// producer and pin the fields the heuristics could misread. Configured patterns come first.
///
/// Works on the key's bytes in one pass, with no regular expressions: it runs once per object.
public struct KeyTemplater: Sendable {
    /// Sources named in configuration; the first pattern that matches a key decides.
    public var configured: [SourcePattern]

    public init(configured: [SourcePattern] = []) {
        self.configured = configured
    }

    /// The source key of `key`.
    public func sourceKey(for key: String) -> SourceKey {
        let tokens = KeyTokens(key)
        var builder = TemplateBuilder(tokens: tokens)
        let hints = KnownLayouts.hints(for: tokens.bytes)
        // UUIDs and known random fields first: `20280108-…` is a UUID, not a date.
        let time = builder.replaceTimestamps(skipping: hints.random + hints.keep + builder.uuidRanges())
        builder.replaceIdentifiers(hints: hints)
        for pattern in configured where pattern.matches(key) {
            return SourceKey(template: pattern.name, producer: pattern.name, embeddedTime: time)
        }
        return SourceKey(template: builder.rendered(), producer: hints.producer, embeddedTime: time)
    }
}

/// The template under construction: per token, the text that replaces it (`nil` keeps it).
struct TemplateBuilder {
    let tokens: KeyTokens
    /// Per token: `nil` keeps the token, a string replaces it ("" drops it, merged into a neighbour's placeholder).
    var replacement: [String?]

    init(tokens: KeyTokens) {
        self.tokens = tokens
        replacement = Array(repeating: nil, count: tokens.tokens.count)
    }

    func rendered() -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.bytes.count + 16)
        for (index, token) in tokens.tokens.enumerated() {
            if let text = replacement[index] {
                bytes.append(contentsOf: text.utf8)
            } else {
                bytes.append(contentsOf: tokens.bytes[token.start..<token.end])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Timestamps

    struct TimestampMatch {
        var end: Int
        var precision: Int
        var seconds: Int64
        var placeholders: [(index: Int, text: String)]
    }

    static let dateSeparators: [UInt8] = Array("/-_.".utf8)
    static let dayHourSeparators: [UInt8] = Array("/-_ ".utf8)
    static let timeSeparators: [UInt8] = Array(":-/._".utf8)
    static let equals = UInt8(ascii: "=")

    /// Replaces every timestamp with placeholders; returns the most precise one (the later on a tie).
    mutating func replaceTimestamps(skipping random: [Range<Int>] = []) -> Date? {
        var best: TimestampMatch?
        var index = 0
        while index < tokens.tokens.count {
            let token = tokens.tokens[index]
            guard token.kind == .digits, !random.contains(where: { $0.overlaps(token.start..<token.end) }),
                var match = separated(at: index) ?? compact(at: index) ?? epoch(at: index)
            else {
                index += 1
                continue
            }
            // A date's hour or minute is not the first digits of a UUID after it (`/25/12b16847-…`).
            if let cut = match.placeholders.firstIndex(where: { placeholder in
                let part = tokens.tokens[placeholder.index]
                return random.contains { $0.overlaps(part.start..<part.end) }
            }) {
                guard cut >= 3 else {
                    index += 1
                    continue
                }
                let kept = Array(match.placeholders[..<cut])
                let values = kept.map { tokens.value($0.index) ?? 0 }
                guard let seconds = seconds(values) else {
                    index += 1
                    continue
                }
                match = TimestampMatch(
                    end: kept[kept.count - 1].index + 1, precision: kept.count, seconds: seconds, placeholders: kept)
            }
            for placeholder in match.placeholders { replacement[placeholder.index] = placeholder.text }
            if best.map({ match.precision >= $0.precision }) ?? true { best = match }
            index = match.end
        }
        return best.map { Date(timeIntervalSince1970: TimeInterval($0.seconds)) }
    }

    /// The digits token after a separator from `separators` at `index`, skipping a Hive label
    /// (`/month=`); `nil` when there is none.
    private func component(after index: Int, separators: [UInt8], length: ClosedRange<Int> = 2...2) -> Int? {
        var next = index
        if tokens.isOther(next, in: separators) {
            next += 1
            if tokens.tokens.indices.contains(next), tokens.tokens[next].kind == .letters,
                tokens.isOther(next + 1, in: [Self.equals])
            {
                next += 2
            }
        } else if separators == Self.dayHourSeparators, tokens.isLetters(next, "T") {
            next += 1
        } else {
            return nil
        }
        guard tokens.tokens.indices.contains(next), tokens.tokens[next].kind == .digits,
            length.contains(tokens.tokens[next].length)
        else { return nil }
        return next
    }

    /// `2026-11-251795615533`: Vector's default `date=%F` prefix has no `/`, so the day runs into the
    /// epoch seconds of the file name.
    private func dayThenEpoch(at index: Int, monthIndex: Int) -> TimestampMatch? {
        guard tokens.isOther(monthIndex + 1, in: [UInt8(ascii: "-")]), tokens.isDigits(monthIndex + 2, length: 12)
        else { return nil }
        let token = tokens.tokens[monthIndex + 2]
        let seconds = tokens.value(bytes: token.start + 2..<token.end)
        guard (1_000_000_000...2_200_000_000).contains(seconds) else { return nil }
        return TimestampMatch(
            end: monthIndex + 3, precision: 6, seconds: Int64(seconds),
            placeholders: [(index, "%Y"), (monthIndex, "%m"), (monthIndex + 2, "%d{epoch}")])
    }

    /// `2026/11/25/14/05/33`, `2026-11-25T14:05:33Z`, `year=2026/month=11/day=25/hour=14`, down to the day.
    private func separated(at index: Int) -> TimestampMatch? {
        guard tokens.isDigits(index, length: 4), let year = tokens.value(index), (1970...2200).contains(year),
            !precededByLetterOrDigit(index),
            let monthIndex = component(after: index + 1, separators: Self.dateSeparators, length: 1...2),
            let month = tokens.value(monthIndex), (1...12).contains(month)
        else { return nil }
        if let glued = dayThenEpoch(at: index, monthIndex: monthIndex) { return glued }
        guard let dayIndex = component(after: monthIndex + 1, separators: Self.dateSeparators, length: 1...2),
            let day = tokens.value(dayIndex), (1...31).contains(day)
        else { return nil }
        var values = [year, month, day]
        var indices = [index, monthIndex, dayIndex]
        if let hourIndex = component(after: dayIndex + 1, separators: Self.dayHourSeparators),
            let hour = tokens.value(hourIndex), hour < 24
        {
            values.append(hour)
            indices.append(hourIndex)
            var last = hourIndex
            while values.count < 6, let next = component(after: last + 1, separators: Self.timeSeparators),
                let value = tokens.value(next), value < 60
            {
                values.append(value)
                indices.append(next)
                last = next
            }
        }
        let names = ["%Y", "%m", "%d", "%H", "%M", "%S"]
        guard let seconds = seconds(values) else { return nil }
        var end = indices[indices.count - 1] + 1
        if tokens.isLetters(end, "Z") { end += 1 }
        return TimestampMatch(
            end: end, precision: values.count, seconds: seconds,
            placeholders: indices.enumerated().map { ($0.element, names[$0.offset]) })
    }

    /// `20261125`, `2026112514`, `202611251405`, `20261125T1405Z`, `20261125T140533Z` and `20261125140533`.
    private func compact(at index: Int) -> TimestampMatch? {
        let token = tokens.tokens[index]
        guard [8, 10, 12, 14].contains(token.length), !precededByLetterOrDigit(index) else { return nil }
        let start = token.start
        let year = tokens.value(bytes: start..<start + 4)
        let month = tokens.value(bytes: start + 4..<start + 6)
        let day = tokens.value(bytes: start + 6..<start + 8)
        if token.length == 10 || token.length == 12 {
            // `2026112508` (yyyyMMddHH) and `202611251405` (yyyyMMddHHmm): read as dates only in
            // this century and only where every field is valid — an epoch second of today starts
            // with 17 and an account id rarely parses — and never glued to letters.
            guard (2000...2099).contains(year), !followedByLetterOrDigit(index) else { return nil }
            var values = [year, month, day, tokens.value(bytes: start + 8..<start + 10)]
            if token.length == 12 { values.append(tokens.value(bytes: start + 10..<start + 12)) }
            guard values[3] < 24, values.count == 4 || values[4] < 60, let seconds = seconds(values) else { return nil }
            return TimestampMatch(
                end: index + 1, precision: values.count, seconds: seconds,
                placeholders: [(index, token.length == 10 ? "%Y%m%d%H" : "%Y%m%d%H%M")])
        }
        if token.length == 14 {
            let values = [
                year, month, day, tokens.value(bytes: start + 8..<start + 10),
                tokens.value(bytes: start + 10..<start + 12), tokens.value(bytes: start + 12..<start + 14),
            ]
            guard let seconds = seconds(values) else { return nil }
            return TimestampMatch(
                end: index + 1, precision: 6, seconds: seconds, placeholders: [(index, "%Y%m%d%H%M%S")])
        }
        var values = [year, month, day]
        var placeholders = [(index: index, text: "%Y%m%d")]
        var end = index + 1
        if tokens.isLetters(index + 1, "T"),
            tokens.isDigits(index + 2, length: 4) || tokens.isDigits(index + 2, length: 6)
        {
            let time = tokens.tokens[index + 2]
            values.append(tokens.value(bytes: time.start..<time.start + 2))
            values.append(tokens.value(bytes: time.start + 2..<time.start + 4))
            if time.length == 6 { values.append(tokens.value(bytes: time.start + 4..<time.start + 6)) }
            placeholders.append((index + 2, time.length == 6 ? "%H%M%S" : "%H%M"))
            end = index + 3
            if tokens.isLetters(end, "Z") { end += 1 }
        } else if followedByLetterOrDigit(index) {
            return nil
        }
        guard let seconds = seconds(values) else { return nil }
        return TimestampMatch(end: end, precision: values.count, seconds: seconds, placeholders: placeholders)
    }

    /// Epoch seconds (10 digits) or milliseconds (13 digits) between 2001 and 2039.
    private func epoch(at index: Int) -> TimestampMatch? {
        let token = tokens.tokens[index]
        guard token.length == 10 || token.length == 13, !precededByLetterOrDigit(index),
            !followedByLetterOrDigit(index),
            let value = tokens.value(index)
        else { return nil }
        let seconds = token.length == 13 ? value / 1000 : value
        guard (1_000_000_000...2_200_000_000).contains(seconds) else { return nil }
        return TimestampMatch(
            end: index + 1, precision: 6, seconds: Int64(seconds),
            placeholders: [(index, token.length == 13 ? "{epoch_ms}" : "{epoch}")])
    }

    private func seconds(_ values: [Int]) -> Int64? {
        UTCTime.epochSeconds(
            year: values[0], month: values[1], day: values[2], hour: values.count > 3 ? values[3] : 0,
            minute: values.count > 4 ? values[4] : 0, second: values.count > 5 ? values[5] : 0)
    }

    private func precededByLetterOrDigit(_ index: Int) -> Bool {
        index > 0 && tokens.tokens[index - 1].kind == .letters && !tokens.isLetters(index - 1, "T")
    }

    private func followedByLetterOrDigit(_ index: Int) -> Bool {
        index + 1 < tokens.tokens.count && tokens.tokens[index + 1].kind == .letters
    }

    // MARK: Identifiers

    /// Replaces UUIDs, IPv4 addresses, random tokens and sequence numbers outside timestamps.
    mutating func replaceIdentifiers(hints: LayoutHints) {
        let all = tokens.tokens
        var index = 0
        while index < all.count {
            guard replacement[index] == nil, isWordStart(index) else {
                index += 1
                continue
            }
            if let end = uuid(at: index) {
                replacement[index] = "{uuid}"
                for dropped in index + 1..<end { replacement[dropped] = "" }
                index = end
                continue
            }
            if let end = ipv4(at: index) {
                replacement[index] = "{ip}"
                for dropped in index + 1..<end { replacement[dropped] = "" }
                index = end
                continue
            }
            // A word: letters and digits tokens with nothing between them.
            var end = index
            while end < all.count, !isOtherToken(end) { end += 1 }
            if end == index {
                index += 1
                continue
            }
            if (index..<end).contains(where: { replacement[$0] != nil }) {
                index = end
                continue
            }
            let range = all[index].start..<all[end - 1].end
            if hints.keeps(range) {
                index = end
                continue
            }
            if let text = hints.forcesRandom(range) ? "{id}" : classifyWord(index..<end) {
                replacement[index] = text
                for dropped in index + 1..<end { replacement[dropped] = "" }
            }
            index = end
        }
    }

    private func isOtherToken(_ index: Int) -> Bool {
        if case .other = tokens.tokens[index].kind { return true }
        return false
    }

    private func isWordStart(_ index: Int) -> Bool {
        !isOtherToken(index) && (index == 0 || isOtherToken(index - 1))
    }

    /// The byte ranges of every UUID in the key.
    func uuidRanges() -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for index in tokens.tokens.indices where isWordStart(index) {
            if let end = uuid(at: index) { ranges.append(tokens.tokens[index].start..<tokens.tokens[end - 1].end) }
        }
        return ranges
    }

    /// The end token of a UUID (8-4-4-4-12 hex digits) starting at `index`.
    private func uuid(at index: Int) -> Int? {
        let bytes = tokens.bytes
        let start = tokens.tokens[index].start
        guard start + 36 <= bytes.count, start + 36 == bytes.count || !KeyTokens.isAlphanumeric(bytes[start + 36])
        else { return nil }
        for offset in 0..<36 {
            let byte = bytes[start + offset]
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard KeyTokens.isHex(byte) else { return nil }
            }
        }
        var end = index
        while end < tokens.tokens.count, tokens.tokens[end].start < start + 36 { end += 1 }
        return end
    }

    /// The end token of a dotted IPv4 address starting at `index`.
    private func ipv4(at index: Int) -> Int? {
        for part in 0..<4 {
            let token = index + part * 2
            guard tokens.tokens.indices.contains(token), tokens.tokens[token].kind == .digits,
                tokens.tokens[token].length <= 3,
                let value = tokens.value(token), value <= 255
            else { return nil }
            if part < 3, !tokens.isOther(token + 1, in: [UInt8(ascii: ".")]) { return nil }
        }
        let end = index + 7
        if end < tokens.tokens.count, tokens.isOther(end, in: [UInt8(ascii: ".")]),
            tokens.tokens.indices.contains(end + 1),
            tokens.tokens[end + 1].kind == .digits
        {
            return nil
        }
        return end
    }

    /// AWS resource id prefixes: `vpc-0a1b…`, `fl-…`, `i-…` name a source, they are not random per object.
    static let resourcePrefixes: Set<String> = [
        "vpc", "fl", "i", "eni", "subnet", "vpce", "tgw", "igw", "sg", "nat", "eks", "rtb",
    ]

    /// The placeholder for a word, or `nil` to keep it.
    private func classifyWord(_ range: Range<Int>) -> String? {
        let all = tokens.tokens
        if range.lowerBound >= 2, tokens.isOther(range.lowerBound - 1, in: [UInt8(ascii: "-")]),
            all[range.lowerBound - 2].kind == .letters,
            Self.resourcePrefixes.contains(String(tokens.text(range.lowerBound - 2))),
            range.lowerBound == 2 || isOtherToken(range.lowerBound - 3),
            tokens.bytes[all[range.lowerBound].start..<all[range.upperBound - 1].end].allSatisfy(KeyTokens.isHex)
        {
            return nil
        }
        let start = all[range.lowerBound].start
        let end = all[range.upperBound - 1].end
        let length = end - start
        if range.count == 1 {
            let token = all[range.lowerBound]
            switch token.kind {
            case .digits:
                // A file name that is only a number is a sequence number, whatever its length.
                let before = range.lowerBound == 0 || tokens.isOther(range.lowerBound - 1, in: [UInt8(ascii: "/")])
                let after = range.upperBound == all.count || tokens.isOther(range.upperBound, in: [UInt8(ascii: ".")])
                if before, after, !tokens.bytes[token.end...].contains(UInt8(ascii: "/")) { return "{n}" }
                // Account ids (12 digits) and small numbers (regions, shard or part numbers) stay.
                return token.length == 12 || token.length <= 2 ? nil : "{n}"
            case .letters:
                return looksRandom(start..<end) ? "{id}" : nil
            case .other:
                return nil
            }
        }
        // Mixed letters and digits.
        if length >= 8, tokens.bytes[start..<end].allSatisfy(KeyTokens.isHex) { return "{hex}" }
        if range.count == 2, all[range.lowerBound].kind == .letters, all[range.lowerBound].length >= 3,
            !looksRandom(all[range.lowerBound].start..<all[range.lowerBound].end)
        {
            // `part0007`, `shard12`: a name and a sequence number.
            return Substring(
                decoding: tokens.bytes[all[range.lowerBound].start..<all[range.lowerBound].end], as: UTF8.self) + "{n}"
        }
        return length >= 6 ? "{id}" : nil
    }

    /// Mixed case changing often (`hVqZbKpTrWsLmNxY`, `tveotYNRAUYVaVfroFTY`), as random tokens do
    /// and CamelCase names do not: at least three rises from lower to upper case, and either many of
    /// them or runs of lower case as short as chance makes them (two letters on average; a
    /// CamelCase word's are its words, `ConfigWritabilityCheckFile` 5.5).
    private func looksRandom(_ range: Range<Int>) -> Bool {
        guard range.count >= 10 else { return false }
        var rises = 0
        var previousLower = false
        var lowerRuns = 0
        var lowerLetters = 0
        for position in range {
            let byte = tokens.bytes[position]
            let upper = byte >= 0x41 && byte <= 0x5A
            let lower = byte >= 0x61 && byte <= 0x7A
            if upper, previousLower { rises += 1 }
            if lower {
                lowerLetters += 1
                if !previousLower { lowerRuns += 1 }
            }
            previousLower = lower
        }
        guard rises >= 2 else { return false }
        return (rises >= 3 && rises * 6 >= range.count) || lowerLetters <= 3 * lowerRuns
    }
}
