/// Identifies a scheduled timer; pass it to `EventLoop.cancel(_:)`.
public struct TimerHandle: Hashable, Sendable {
    /// The timer's sequence number (unique per loop).
    let sequence: UInt64

    /// A handle with a given sequence number: for schedulers other than `EventLoop` (virtual clocks in tests).
    public init(sequence: UInt64) { self.sequence = sequence }
}

/// A binary min-heap of timers keyed by (deadline, sequence), so timers with equal deadlines fire in the order they
/// were scheduled. Cancellation is lazy: a cancelled entry stays in the heap until it surfaces or until cancelled
/// entries outnumber live ones, when the heap is compacted.
struct TimerHeap<Body> {
    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var bodies: [UInt64: Body] = [:]
    private var nextSequence: UInt64 = 0

    /// Number of live (scheduled, not cancelled, not fired) timers.
    var count: Int { bodies.count }
    /// Number of entries in the heap, cancelled ones included (for tests of compaction).
    var storedEntries: Int { heap.count }
    /// The sequence number the next timer will get.
    var upcomingSequence: UInt64 { nextSequence }

    /// Adds a timer that is due at `deadline`.
    mutating func insert(deadline: UInt64, _ body: Body) -> TimerHandle {
        let entry = Entry(deadline: deadline, sequence: nextSequence)
        nextSequence &+= 1
        bodies[entry.sequence] = body
        heap.append(entry)
        siftUp(heap.count - 1)
        return TimerHandle(sequence: entry.sequence)
    }

    /// Cancels a timer; returns false if it already fired or was cancelled.
    @discardableResult
    mutating func cancel(_ handle: TimerHandle) -> Bool {
        guard bodies.removeValue(forKey: handle.sequence) != nil else { return false }
        if heap.count - bodies.count > heap.count / 2 { compact() }
        return true
    }

    /// The earliest live deadline, dropping cancelled entries from the top.
    mutating func earliestDeadline() -> UInt64? {
        dropCancelledTop()
        return heap.first?.deadline
    }

    /// Removes and returns the earliest live timer if it is due at or before `now` and was scheduled before
    /// `sequenceLimit` (timers scheduled while firing wait for the next round).
    mutating func popDue(now: UInt64, sequenceLimit: UInt64) -> Body? {
        dropCancelledTop()
        guard let top = heap.first, top.deadline <= now, top.sequence < sequenceLimit else { return nil }
        removeTop()
        return bodies.removeValue(forKey: top.sequence)
    }

    /// Drops every timer.
    mutating func removeAll() {
        heap.removeAll()
        bodies.removeAll()
    }

    private mutating func dropCancelledTop() {
        while let top = heap.first, bodies[top.sequence] == nil { removeTop() }
    }

    private mutating func compact() {
        heap.removeAll { bodies[$0.sequence] == nil }
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
