import Foundation

/// What one source normally looks like, learnt from the objects it delivered: bounded in size
/// (the newest `capacity` arrivals, at most `CategoryTally.capacity` values per attribute) and
/// mergeable, so replicas that saw different objects can combine what they learnt.
public struct SourceBaseline: Sendable, Codable, Equatable {
    /// One arrival, as much as the numeric checks need.
    public struct Arrival: Sendable, Codable, Equatable {
        /// A hash of bucket, key and ETag: the same object recorded twice (by two replicas) counts once.
        public var object: UInt64
        /// LastModified, seconds since 1970.
        public var time: Double
        public var size: Int64
        /// LastModified minus the key's own time, in seconds, when the key has one.
        public var lag: Double?
        /// Numeric user metadata.
        public var values: [String: Double]?
        /// A hash of ETag and size: the same content under any key.
        public var content: UInt64?

        enum CodingKeys: String, CodingKey {
            case object = "o"
            case time = "t"
            case size = "s"
            case lag = "l"
            case values = "v"
            case content = "c"
        }
    }

    /// The object a source delivered last: the evidence of a silence signal.
    public struct LastObject: Sendable, Codable, Equatable {
        public var bucket: String
        public var key: String
        public var eTag: String
        public var versionId: String?
        public var size: Int64
        public var lastModified: Date
    }

    /// A silence that ended soon after it was declared: how long it lasted, and when it ended.
    public struct BriefSilence: Sendable, Codable, Equatable {
        public var seconds: Double
        public var ended: Date

        public init(seconds: Double, ended: Date) {
            self.seconds = seconds
            self.ended = ended
        }
    }

    /// Where a source is in its life.
    public enum State: String, Sendable, Codable, Equatable {
        /// Too few objects for a baseline: only a new source and drift are signalled.
        case learning
        case normal
        /// Delivered nothing for `k` cadences; signalled once, until it resumes.
        case silent
    }

    public static let capacity = 256

    public var id: String
    public var bucket: String
    public var template: String
    public var producer: String?
    public var firstSeen: Date
    public var objectCount: Int64
    public var state: State
    public var silentSince: Date?
    /// The `silentSince` of the last silence this source was found to have ended: a silence
    /// another replica stored stands against this replica's other changes, unless it is that one.
    public var resumedFrom: Date?
    /// The start of a burst still going on (signalled once per burst).
    public var burstSince: Date?
    /// The start of a rate drop still going on (signalled once per drop).
    public var rateDropSince: Date?
    /// When a size trend still going on was signalled (once per trend).
    public var sizeTrendSince: Date?
    /// The last silence, when it ended within twice the wait that declared it (the source's pace
    /// changed rather than stopped, as in a first weekend): the next silence within a day waits
    /// longer than it lasted, so a slower pace is not a silence and a resumption at every gap.
    public var briefSilence: BriefSilence?
    public var lastObject: LastObject?
    /// The newest arrivals, oldest first, at most `capacity`.
    public var recent: [Arrival]
    public var categories: [CategoricalAttribute: CategoryTally]
    /// Every numeric metadata field this source ever had.
    public var numericFields: Set<String>
    /// Objects per hour and sizes per day over two weeks: the weekly rhythm and the size trend.
    /// `nil` until the first object (and in baselines stored before it existed).
    public var history: SourceHistory?
    /// Bumped by every write to the store; writes are conditional on it.
    public var version: Int64
    /// Source events about this source that no sink took yet, as their publisher encoded them
    /// (opaque here), by id: kept with the baseline, so they survive the replica that found them,
    /// and published when a sink answers. `nil` when there are none.
    public var unpublishedEvents: [String: String]?
    /// The most kept per source; a source's events are a few an episode, so more means a long
    /// outage, and the oldest give way.
    public static let unpublishedCapacity = 32

    /// An empty baseline for the source `id` (`bucket/template`).
    public init(id: String, bucket: String, template: String, producer: String?, firstSeen: Date) {
        self.id = id
        self.bucket = bucket
        self.template = template
        self.producer = producer
        self.firstSeen = firstSeen
        objectCount = 0
        state = .learning
        recent = []
        categories = [:]
        numericFields = []
        version = 0
    }

    /// The source id of an object: its bucket and key template.
    public static func id(bucket: String, template: String) -> String { "\(bucket)/\(template)" }

    /// Adds one object; answers `false` when it was already recorded. A category value first seen
    /// once the source has `newValuesAfter` objects is new to it until `establishedAfter` objects
    /// had it (`CategoryTally.newValues`).
    @discardableResult
    public mutating func record(
        _ observation: ObjectObservation, embeddedTime: Date?, numericMetadata: [String: Double]? = nil,
        categories: [(attribute: CategoricalAttribute, value: String)]? = nil,
        newValuesAfter: Int64 = .max, establishedAfter: Int64 = 8
    ) -> Bool {
        let object = Self.objectHash(bucket: observation.bucket, key: observation.key, eTag: observation.eTag)
        if recent.contains(where: { $0.object == object }) { return false }
        let values = numericMetadata ?? observation.numericMetadata
        let arrival = Arrival(
            object: object, time: observation.lastModified.timeIntervalSince1970, size: observation.size,
            lag: embeddedTime.map { observation.lastModified.timeIntervalSince($0) },
            values: values.isEmpty ? nil : values,
            content: Self.contentHash(eTag: observation.eTag, size: observation.size))
        insert(arrival)
        history = history ?? SourceHistory()
        history?.record(time: arrival.time, size: arrival.size)
        let established = objectCount >= newValuesAfter
        objectCount += 1
        for (attribute, value) in categories ?? observation.categories {
            self.categories[attribute, default: CategoryTally()].add(
                value, tracked: established, establishedAfter: establishedAfter)
        }
        numericFields.formUnion(values.keys)
        if lastObject.map({ observation.lastModified >= $0.lastModified }) ?? true {
            lastObject = LastObject(
                bucket: observation.bucket, key: observation.key, eTag: observation.eTag,
                versionId: observation.versionId, size: observation.size, lastModified: observation.lastModified)
        }
        return true
    }

    /// Adds what `other` (the same source, written by another replica) has and this one lacks.
    public mutating func merge(_ other: SourceBaseline) {
        let known = Set(recent.map(\.object))
        // Older than this side's window: this side may have counted it before it left the window.
        let windowStart = recent.count < Self.capacity ? -Double.infinity : recent.first?.time ?? -Double.infinity
        var added: Int64 = 0
        for arrival in other.recent where !known.contains(arrival.object) {
            insert(arrival)
            added += 1
            if arrival.time >= windowStart {
                history = history ?? SourceHistory()
                history?.record(time: arrival.time, size: arrival.size)
            }
        }
        if let theirs = other.history {
            history = history ?? SourceHistory()
            history?.merge(theirs)
        }
        objectCount = max(objectCount + added, other.objectCount)
        for (attribute, tally) in other.categories { categories[attribute, default: CategoryTally()].merge(tally) }
        numericFields.formUnion(other.numericFields)
        firstSeen = min(firstSeen, other.firstSeen)
        if let theirs = other.lastObject, lastObject.map({ theirs.lastModified > $0.lastModified }) ?? true {
            lastObject = theirs
        }
    }

    /// Keeps `recent` sorted by time and bounded.
    private mutating func insert(_ arrival: Arrival) {
        if let last = recent.last, arrival.time < last.time {
            let position = recent.firstIndex { $0.time > arrival.time } ?? recent.endIndex
            recent.insert(arrival, at: position)
        } else {
            recent.append(arrival)
        }
        if recent.count > Self.capacity { recent.removeFirst(recent.count - Self.capacity) }
    }

    /// FNV-1a over ETag and size.
    static func contentHash(eTag: String, size: Int64) -> UInt64 {
        var hasher = FNV1a()
        hasher.add(eTag)
        hasher.endPart()
        withUnsafeBytes(of: size.littleEndian) { for byte in $0 { hasher.add(byte) } }
        return hasher.value
    }

    /// FNV-1a over bucket, key and ETag.
    static func objectHash(bucket: String, key: String, eTag: String) -> UInt64 {
        var hasher = FNV1a()
        for part in [bucket, key, eTag] {
            hasher.add(part)
            hasher.endPart()
        }
        return hasher.value
    }
}

/// The values one categorical attribute took, with counts; bounded: past `capacity` distinct values
/// the attribute is open (any value is normal) and no longer grows.
public struct CategoryTally: Sendable, Codable, Equatable {
    public static let capacity = 32

    public var counts: [String: Int64] = [:]
    public var open = false
    /// Values the source started writing once it was established, with how many objects had each
    /// so far: such a value is still news (one episode) until `establishedAfter` objects had it.
    /// `nil` when there is none (and in baselines stored before it existed).
    public var newValues: [String: Int64]?

    public init() {}

    /// Counts `value`; with `tracked`, a value never seen starts an episode of a new value, and a
    /// value in one counts towards its end.
    public mutating func add(_ value: String, count: Int64 = 1, tracked: Bool = false, establishedAfter: Int64 = 8) {
        if let index = counts.index(forKey: value) {
            counts.values[index] += count
            if let seen = newValues?[value] { settle(value, seen + count, establishedAfter) }
        } else if counts.count < Self.capacity {
            counts[value] = count
            if tracked { settle(value, count, establishedAfter) }
        } else {
            open = true
        }
    }

    private mutating func settle(_ value: String, _ seen: Int64, _ establishedAfter: Int64) {
        var values = newValues ?? [:]
        values[value] = seen >= establishedAfter ? nil : seen
        newValues = values.isEmpty ? nil : values
    }

    public mutating func merge(_ other: CategoryTally) {
        for (value, count) in other.counts {
            if let mine = counts[value] {
                counts[value] = max(mine, count)
            } else {
                add(value, count: count)
            }
        }
        // A value still new on either side stays new, as far as both counted it.
        for (value, seen) in other.newValues ?? [:] where counts[value] != nil {
            newValues = (newValues ?? [:]).merging([value: seen]) { max($0, $1) }
        }
        open = open || other.open
    }

    public var total: Int64 { counts.values.reduce(0, +) }
}
