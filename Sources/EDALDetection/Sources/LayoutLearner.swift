/// Learns which word positions of a bucket's templates keep changing and turns them into
/// placeholders, so keys of one producer that the templater's rules left apart become one source.
///
/// In the spirit of Drain's fixed-depth parse tree for log templates (He et al., ICWS 2017): the
/// templates the rules produce are grouped by **shape** — bucket, number of path segments, the first
/// directory, the separators and the placeholders in order — and within a group each remaining word
/// position counts the values it took. A position becomes a placeholder when its values say it is not
/// a name:
///
/// - numbers only (`_3`, `partition=2`, `data_0_5_2`): a counter, a part, a partition or an instance
///   number once it took `numberVariants` values (`{n}`);
/// - words (`report`, `invoice`): once it took `wordVariants` values, at least half of the objects
///   seen there brought a value never seen before, and those objects span `settleSeconds` of
///   LastModified — a service name repeats with every delivery, a file name a person chose does not
///   (`{*}`); or at once when `floodVariants` values arrived that way, however fast;
/// - and where no single position keeps changing but their combinations do (a person's file names:
///   `report-final.pdf`, `budget-old.pdf`, a few words in ever new combinations), by the same rule
///   applied to the whole template, every position that took more than one value.
///
/// Templates that differ only in such a position then share one source; the sources already made
/// for them are handed back (`Outcome.merged`) so the registry folds them into it. A shape that
/// brings `stormTemplates` new templates within `stormSeconds` is a storm: announced once
/// (`Outcome.storm`), its new templates raise no signal each while it lasts.
///
/// Only layouts no rule recognised are learnt: a documented layout (`SourceKey.producer`) or a
/// configured source never changes here. State is bounded: `maximumShapes` groups per learner,
/// `maximumPositions` positions per shape, `maximumValues` value hashes per position, and
/// `maximumMembers` templates per shape (a source of a template past that is folded when its next
/// object arrives, or ages out).
public struct LayoutLearner: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var numberVariants = 2
        public var wordVariants = 8
        public var settleSeconds: Double = 600
        public var floodVariants = 64
        public var stormTemplates = 16
        public var stormSeconds: Double = 600
        public var maximumShapes = 1024
        /// Templates with more word positions are not learnt (no producer's key has that many).
        public var maximumPositions = 48
        /// Distinct values remembered per position (as hashes); past it every value counts as new.
        public var maximumValues = 256
        /// Templates remembered per shape to fold when a position turns.
        public var maximumMembers = 64

        public init() {}
    }

    /// Many new templates of one shape in a short time.
    public struct Storm: Sendable, Equatable {
        /// The templates' common beginning, before the first position that varies.
        public var prefix: String
        /// New templates of the shape within the storm's window.
        public var templates: Int
    }

    /// What the learner made of one template.
    public struct Outcome: Sendable, Equatable {
        /// The template the object's source has: the one given, or its generalisation.
        public var template: String
        /// Templates whose sources are now covered by another template (`from` → `to`): fold them.
        public var merged: [Merge] = []
        /// A storm that began with this object (announce it).
        public var storm: Storm?
        /// Whether the shape is in a storm (a new source of it is not announced on its own).
        public var inStorm = false
        /// Whether no other template of this shape was seen: a new layout rather than a new value
        /// in a position of a known one (which may be a name, or a value that keeps changing).
        public var firstOfShape = true
    }

    public struct Merge: Sendable, Equatable {
        public var from: String
        public var to: String
    }

    struct Position: Sendable {
        /// Hashes of the values seen (emptied once the position varies: nothing more to decide).
        var values: Set<UInt64> = []
        var overflow = false
        var observations = 0
        var novel = 0
        var firstSeen: Double
        var numeric = true
        var variable = false
    }

    struct Group: Sendable {
        var positions: [Position]
        /// The templates of this shape seen, and the template each one's source has now.
        var members: [String: String] = [:]
        /// LastModified of the latest observations that brought a new value, oldest first.
        var novel: [Double] = []
        var stormSince: Double?
        var lastSeen: Double
        /// The templates as rendered with the positions decided so far: when they keep changing
        /// although no single position does (`report-final.pdf`, `budget-old.pdf`: a few words
        /// each, in ever new combinations), every position that took several values varies.
        var combinations = Position(firstSeen: 0)
    }

    struct Shape: Hashable, Sendable {
        var bucket: String
        var signature: String
    }

    public var configuration: Configuration
    private var groups: [Shape: Group] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// How many shapes the learner holds.
    public var shapeCount: Int { groups.count }

    /// Learns from one object's template (at `time`, its LastModified in seconds since 1970) and
    /// answers the template its source has.
    public mutating func learn(bucket: String, template: String, at time: Double) -> Outcome {
        let parsed = ParsedTemplate(template)
        guard !parsed.words.isEmpty, parsed.words.count <= configuration.maximumPositions else {
            return Outcome(template: template)
        }
        let shape = Shape(bucket: bucket, signature: parsed.signature)
        var group =
            groups.removeValue(forKey: shape)
            ?? Group(positions: Array(repeating: Position(firstSeen: time), count: parsed.words.count), lastSeen: time)
        group.lastSeen = max(group.lastSeen, time)
        var brought = false
        var turned = false
        for (index, word) in parsed.words.enumerated() where !group.positions[index].variable {
            var position = group.positions[index]
            position.observations += 1
            let hash = Self.hash(word)
            if !position.values.contains(hash) {
                position.novel += 1
                brought = true
                if position.values.count < configuration.maximumValues {
                    position.values.insert(hash)
                } else {
                    position.overflow = true
                }
                if !word.utf8.allSatisfy(KeyTokens.isDigit) { position.numeric = false }
            }
            position.firstSeen = min(position.firstSeen, time)
            if varies(position, at: time) {
                position.variable = true
                position.values = []
                turned = true
            }
            group.positions[index] = position
        }
        if !turned {
            let rendered = Self.hash(parsed.rendered(variable: group.positions))
            var combinations = group.combinations
            if combinations.observations == 0 { combinations.firstSeen = time }
            combinations.observations += 1
            if !combinations.values.contains(rendered) {
                combinations.novel += 1
                if combinations.values.count < configuration.maximumValues {
                    combinations.values.insert(rendered)
                } else {
                    combinations.overflow = true
                }
            }
            combinations.numeric = false
            if varies(combinations, at: time) {
                for index in group.positions.indices
                where group.positions[index].values.count > 1 || group.positions[index].overflow {
                    group.positions[index].variable = true
                    group.positions[index].values = []
                }
                turned = true
            }
            group.combinations = combinations
        }
        // What was counted was rendered with the old decisions.
        if turned { group.combinations = Position(firstSeen: time) }
        var outcome = Outcome(template: template)
        outcome.firstOfShape = group.members.isEmpty || (group.members.count == 1 && group.members[template] != nil)
        if brought { noteNovel(&group, at: time, prefix: parsed, into: &outcome) }
        outcome.inStorm = group.stormSince != nil
        outcome.template = parsed.rendered(variable: group.positions)
        if turned {
            var seen = Set<String>()
            for (member, current) in group.members {
                let to = ParsedTemplate(member).rendered(variable: group.positions)
                guard to != current else { continue }
                group.members[member] = to
                if seen.insert(current).inserted { outcome.merged.append(Merge(from: current, to: to)) }
            }
            outcome.merged.sort { $0.from < $1.from }
        }
        if group.members.count < configuration.maximumMembers, group.members[template] == nil {
            group.members[template] = outcome.template
        }
        groups[shape] = group
        if groups.count > configuration.maximumShapes { forgetOldestShapes() }
        return outcome
    }

    /// The template `template` has now, without learning from it (a baseline read from the store).
    public func generalised(bucket: String, template: String) -> String {
        let parsed = ParsedTemplate(template)
        guard let group = groups[Shape(bucket: bucket, signature: parsed.signature)] else { return template }
        return parsed.rendered(variable: group.positions)
    }

    private func varies(_ position: Position, at time: Double) -> Bool {
        let distinct = position.values.count + (position.overflow ? 1 : 0)
        if position.numeric { return distinct >= configuration.numberVariants }
        guard 2 * position.novel >= position.observations else { return false }
        return distinct >= configuration.floodVariants
            || (distinct >= configuration.wordVariants && time - position.firstSeen >= configuration.settleSeconds)
    }

    private func noteNovel(
        _ group: inout Group, at time: Double, prefix parsed: ParsedTemplate, into outcome: inout Outcome
    ) {
        // A storm is over once a window passed without a new template.
        if group.stormSince != nil, let previous = group.novel.last, time - previous > configuration.stormSeconds {
            group.stormSince = nil
        }
        group.novel.append(time)
        if group.novel.count > configuration.stormTemplates {
            group.novel.removeFirst(group.novel.count - configuration.stormTemplates)
        }
        guard group.stormSince == nil, group.novel.count >= configuration.stormTemplates,
            let oldest = group.novel.first, time - oldest <= configuration.stormSeconds
        else { return }
        group.stormSince = time
        outcome.storm = Storm(prefix: parsed.prefix(before: group.positions), templates: group.novel.count)
    }

    /// Forgets the least recently seen quarter of the shapes (by count: many seen at one moment, a
    /// backfill, are not all forgotten at once).
    private mutating func forgetOldestShapes() {
        for shape in groups.map({ ($0.key, $0.value.lastSeen) }).sorted(by: { $0.1 < $1.1 }).prefix(groups.count / 4)
            .map(\.0)
        {
            groups[shape] = nil
        }
    }

    /// Positions remember hashes of their values, not the text.
    static func hash(_ text: String) -> UInt64 { FNV1a.hash(text) }
}

/// A template cut into word positions and the fixed text around them.
struct ParsedTemplate {
    /// Fixed text before each word, and after the last one.
    var fixed: [Substring] = []
    var words: [String] = []
    /// The fixed parts, and in place of each word a marker; the first directory is fixed too.
    var signature: String

    static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "="),
            UInt8(ascii: "+"),
            UInt8(ascii: " "), UInt8(ascii: ","):
            return true
        default: return false
        }
    }

    init(_ template: String) {
        let bytes = Array(template.utf8)
        let slashes = bytes.filter { $0 == UInt8(ascii: "/") }.count
        // The first directory names a tree of the bucket (`logs/`, `u/`); a file at the root has none.
        let firstDirectoryEnd = slashes > 0 ? (bytes.firstIndex(of: UInt8(ascii: "/")) ?? 0) : 0
        var signature = "\(slashes)|"
        var fixedStart = 0
        var index = 0
        while index < bytes.count {
            if Self.isSeparator(bytes[index]) {
                index += 1
                continue
            }
            var end = index
            var placeholder = false
            while end < bytes.count, !Self.isSeparator(bytes[end]) {
                if bytes[end] == UInt8(ascii: "%") || bytes[end] == UInt8(ascii: "{") { placeholder = true }
                if bytes[end] == UInt8(ascii: "{") {
                    // `{…}` is one placeholder, separators inside it included.
                    while end < bytes.count, bytes[end] != UInt8(ascii: "}") { end += 1 }
                }
                end += 1
            }
            end = min(end, bytes.count)
            if placeholder || end <= firstDirectoryEnd {
                index = end
                continue
            }
            fixed.append(Substring(decoding: bytes[fixedStart..<index], as: UTF8.self))
            words.append(String(decoding: bytes[index..<end], as: UTF8.self))
            signature += String(decoding: bytes[fixedStart..<index], as: UTF8.self) + "\u{1}"
            fixedStart = end
            index = end
        }
        fixed.append(Substring(decoding: bytes[fixedStart...], as: UTF8.self))
        signature += String(fixed[fixed.count - 1])
        self.signature = signature
    }

    /// The template with the variable positions as placeholders.
    func rendered(variable positions: [LayoutLearner.Position]) -> String {
        var text = ""
        for (index, word) in words.enumerated() {
            text += fixed[index]
            let position = positions[index]
            text += position.variable ? (position.numeric ? "{n}" : "{*}") : word
        }
        return text + fixed[fixed.count - 1]
    }

    /// The text before the first word position that took more than one value.
    func prefix(before positions: [LayoutLearner.Position]) -> String {
        var text = ""
        for (index, word) in words.enumerated() {
            text += fixed[index]
            if positions[index].variable || positions[index].values.count > 1 { return text }
            text += word
        }
        return text + fixed[fixed.count - 1]
    }
}
