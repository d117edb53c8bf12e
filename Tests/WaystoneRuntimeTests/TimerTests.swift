import Testing

@testable import WaystoneRuntime

@Suite struct TimerHeapTests {
    @Test func popsByDeadlineThenSequence() {
        var heap = TimerHeap<Int>()
        _ = heap.insert(deadline: 30, 1)
        _ = heap.insert(deadline: 10, 2)
        _ = heap.insert(deadline: 20, 3)
        _ = heap.insert(deadline: 10, 4)
        _ = heap.insert(deadline: 10, 5)
        var order: [Int] = []
        while let body = heap.popDue(now: 100, sequenceLimit: .max) { order.append(body) }
        #expect(order == [2, 4, 5, 3, 1])
    }

    @Test func respectsNowAndCancellation() {
        var heap = TimerHeap<Int>()
        let a = heap.insert(deadline: 5, 1)
        _ = heap.insert(deadline: 50, 2)
        let firstCancel = heap.cancel(a)
        let secondCancel = heap.cancel(a)
        #expect(firstCancel && !secondCancel)
        let earliest = heap.earliestDeadline()
        #expect(earliest == 50)
        let early = heap.popDue(now: 49, sequenceLimit: .max)
        let due = heap.popDue(now: 50, sequenceLimit: .max)
        #expect(early == nil && due == 2)
        #expect(heap.count == 0)
    }

    @Test func compactsWhenMostEntriesAreCancelled() {
        var heap = TimerHeap<Int>()
        var handles: [TimerHandle] = []
        for index in 0..<1000 { handles.append(heap.insert(deadline: UInt64(1000 - index), index)) }
        for handle in handles.dropLast(10) { heap.cancel(handle) }
        #expect(heap.count == 10)
        #expect(heap.storedEntries <= 2 * heap.count + 1)
        var fired: [Int] = []
        while let body = heap.popDue(now: .max, sequenceLimit: .max) { fired.append(body) }
        #expect(fired == Array((990..<1000).reversed()))
    }
}

@Suite struct LoopTimerTests {
    @Test func firesInDeadlineOrderAndSkipsCancelled() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let order = Box<[Int]>([])
        let start = loop.nowNanoseconds()
        loop.schedule(afterNanoseconds: 30_000_000) {
            order.value.append(30); loop.stop()
        }
        loop.schedule(afterNanoseconds: 10_000_000) { order.value.append(10) }
        let cancelled = loop.schedule(afterNanoseconds: 15_000_000) { order.value.append(15) }
        loop.schedule(afterNanoseconds: 20_000_000) { order.value.append(20) }
        loop.cancel(cancelled)
        #expect(try TestSupport.run(loop))
        #expect(order.value == [10, 20, 30])
        #expect(loop.nowNanoseconds() - start >= 30_000_000)
    }

    @Test func equalDeadlinesFireInScheduleOrder() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let order = Box<[Int]>([])
        let deadline = loop.nowNanoseconds() + 5_000_000
        for index in 0..<20 { loop.schedule(atNanoseconds: deadline) { order.value.append(index) } }
        loop.schedule(atNanoseconds: deadline) { loop.stop() }
        #expect(try TestSupport.run(loop))
        #expect(order.value == Array(0..<20))
    }

    @Test func timerScheduledFromTimerRunsOnALaterRound() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        let rounds = Box(0)
        func again() {
            rounds.value += 1
            if rounds.value == 100 { loop.stop() } else { loop.schedule(afterNanoseconds: 0, again) }
        }
        loop.schedule(afterNanoseconds: 0, again)
        #expect(try TestSupport.run(loop))
        #expect(rounds.value == 100)
    }

    @Test func cancellingManyTimersDoesNotLeak() throws {
        let loop = try EventLoop()
        defer { loop.close() }
        for _ in 0..<10_000 {
            let handle = loop.schedule(afterNanoseconds: 60_000_000_000) {}
            loop.cancel(handle)
        }
        #expect(loop.scheduledTimerCount == 0)
        #expect(loop.storedTimerEntries < 10)
    }
}
