/// What a recognised layout tells the templater: who wrote the key, which byte ranges name the
/// source (kept as they are) and which are random per object (always a placeholder).
struct LayoutHints: Sendable, Equatable {
    var producer: String?
    var keep: [Range<Int>] = []
    var random: [Range<Int>] = []

    func keeps(_ range: Range<Int>) -> Bool { keep.contains { $0.overlaps(range) } }
    func forcesRandom(_ range: Range<Int>) -> Bool { random.contains { $0.overlaps(range) } }
}
