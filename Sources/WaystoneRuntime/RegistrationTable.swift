/// Something registered with the event loop's epoll instance.
protocol LoopHandler: AnyObject {
    /// Called on the loop thread with the epoll event bits for this registration.
    func handleEvents(_ events: UInt32)
    /// Called once when the loop is closed while this handler is still registered: release the descriptor.
    func loopWillClose()
}

/// A registration: a slot id plus the slot's generation at registration time. Both are packed into
/// `epoll_event.data.u64`, so an event that was queued for an earlier user of the slot (or of the same fd number)
/// is recognised as stale and dropped.
struct Registration: Hashable {
    var id: UInt32
    var generation: UInt32

    /// The value stored in `epoll_event.data.u64`.
    var key: UInt64 { UInt64(id) << 32 | UInt64(generation) }

    /// Unpacks a key from `epoll_event.data.u64`.
    init(key: UInt64) {
        id = UInt32(truncatingIfNeeded: key >> 32)
        generation = UInt32(truncatingIfNeeded: key)
    }

    init(id: UInt32, generation: UInt32) {
        self.id = id
        self.generation = generation
    }
}

/// Slots for registered handlers, reused through a free list; each reuse bumps the slot's generation.
struct RegistrationTable {
    private struct Slot {
        var generation: UInt32 = 0
        var handler: (any LoopHandler)?
    }

    private var slots: [Slot] = []
    private var free: [UInt32] = []

    /// Number of live registrations.
    private(set) var count = 0

    /// Stores `handler` in a free slot and returns its registration.
    mutating func insert(_ handler: any LoopHandler) -> Registration {
        let id: UInt32
        if let reused = free.popLast() {
            id = reused
        } else {
            id = UInt32(truncatingIfNeeded: slots.count)
            slots.append(Slot())
        }
        let index = Int(id)
        slots[index].generation &+= 1
        slots[index].handler = handler
        count += 1
        return Registration(id: id, generation: slots[index].generation)
    }

    /// Frees the slot of `registration` if it is still current; later events carrying it are stale.
    mutating func remove(_ registration: Registration) {
        let index = Int(registration.id)
        guard index < slots.count, slots[index].generation == registration.generation,
            slots[index].handler != nil
        else { return }
        slots[index].handler = nil
        slots[index].generation &+= 1
        free.append(registration.id)
        count -= 1
    }

    /// The handler for `registration`, or nil if the registration is stale.
    func handler(for registration: Registration) -> (any LoopHandler)? {
        let index = Int(registration.id)
        guard index < slots.count, slots[index].generation == registration.generation else { return nil }
        return slots[index].handler
    }

    /// All live handlers (for closing the loop).
    var allHandlers: [any LoopHandler] {
        slots.compactMap(\.handler)
    }
}
