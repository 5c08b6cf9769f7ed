/// When each source falls silent if nothing arrives, kept so that the next deadline and the sources
/// due are found without walking every source (the registry's lock is the one `observe()` waits on).
///
/// A min-heap over (deadline, source) with stale entries left in place and skipped when they reach
/// the top: a source's deadline moves with every object, and replacing it costs one push. The heap
/// is rebuilt from the current deadlines when stale entries outnumber them.
struct SilenceIndex: Sendable {
    struct Item: Sendable {
        var due: Double
        var id: String
    }

    /// The current deadline of each source that can fall silent (seconds since 1970, the lag
    /// allowance left out: it moves every deadline alike, so it is added when asked).
    private var due: [String: Double] = [:]
    private var heap: [Item] = []
    /// Deadlines already passed and handled elsewhere (another replica's check), set aside by
    /// `next(after:)` so it does not answer them again; `takeDue` looks at them again.
    private var parked: [Item] = []

    var count: Int { due.count }

    /// Sets (or, with `nil`, removes) the deadline of `id`.
    mutating func set(_ id: String, due deadline: Double?) {
        guard due[id] != deadline else { return }
        due[id] = deadline
        guard let deadline else { return }
        push(Item(due: deadline, id: id))
        if heap.count > 2 * due.count + 1024 { rebuild() }
    }

    /// The earliest deadline later than `after`; deadlines at or before it are set aside.
    mutating func next(after: Double) -> Double? {
        while let top = heap.first {
            if due[top.id] != top.due {
                pop()
            } else if top.due <= after {
                parked.append(pop())
            } else {
                return top.due
            }
        }
        return nil
    }

    /// Removes and answers the sources whose deadline is at or before `through`, sorted; the caller
    /// sets again the deadline of each one that did not fall silent.
    mutating func takeDue(through: Double) -> [String] {
        for item in parked where due[item.id] == item.due { push(item) }
        parked.removeAll()
        var ids: [String] = []
        while let top = heap.first, top.due <= through {
            let item = pop()
            guard due[item.id] == item.due else { continue }
            due[item.id] = nil
            ids.append(item.id)
        }
        return ids.sorted()
    }

    private mutating func rebuild() {
        heap = due.map { Item(due: $0.value, id: $0.key) }
        parked.removeAll()
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func push(_ item: Item) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    private mutating func pop() -> Item {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].due < heap[left].due { smallest = left + 1 }
            guard heap[smallest].due < heap[parent].due else { return }
            heap.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
