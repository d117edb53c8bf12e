import Crypto
import TestSupport
import Testing

@testable import Noise

/// Deterministic bytes of `count`.
private func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) }
}

/// What a machine reports over a run of reads.
private struct Received: Equatable {
    var plaintext: [UInt8] = []
    var events: [NoiseEvent] = []
    var bytesToSend: [UInt8] = []
}

/// Feeds `wire` through the pointer API in pieces of the given sizes (the last piece takes the rest).
private func feed(_ machine: inout NoiseMachine, _ wire: [UInt8], pieces: [Int]) -> Received {
    var received = Received()
    var start = 0
    var index = 0
    while start < wire.count {
        let end = index < pieces.count ? min(start + pieces[index], wire.count) : wire.count
        let out = wire[start..<end].withUnsafeBytes { machine.receive($0, appendingPlaintextTo: &received.plaintext) }
        #expect(out.decryptedPlaintext.isEmpty)
        received.bytesToSend += out.bytesToSend
        if let event = out.event { received.events.append(event) }
        start = end
        index += 1
    }
    return received
}

/// The pointer-based seal and receive against the array-based ones: byte-identical, whatever the split.
@Suite struct NoiseZeroCopyTests {
    /// An established pair and the listener's state just before message 3, with message 3.
    private static func beforeMessage3() throws -> (pair: Pair, message3: [UInt8]) {
        var pair = try Pair()
        let two = pair.listener.receive(pair.dialer.start().bytesToSend)
        let three = pair.dialer.receive(two.bytesToSend)
        return (pair, three.bytesToSend)
    }

    @Test func sealAppendingToMatchesSeal() throws {
        var pair = try Pair()
        _ = pair.handshake()
        for size in [0, 1, 100, 65518, 65519, 65520, 2 * 65519, 200_000] {
            let data = pattern(size, seed: size)
            // A machine is a value: a copy seals with the same keys and nonce.
            var twin = pair.dialer
            let reference = try pair.dialer.seal(data)
            var out: [UInt8] = [0xAA, 0xBB]
            try data.withUnsafeBytes { try twin.seal($0, appendingTo: &out) }
            #expect(out == [0xAA, 0xBB] + reference, "size \(size)")
            #expect(out.count == 2 + NoiseSecureChannel.sealedLength(size))
            pair.dialer = twin
            #expect(pair.listener.receive(reference).decryptedPlaintext == data)
        }
        // The twin's nonces moved with it: the listener still reads its frames.
        let last = try pair.dialer.seal([1, 2, 3])
        #expect(pair.listener.receive(last).decryptedPlaintext == [1, 2, 3])
    }

    /// Message 3 and transport frames (a 65535-byte one included) fed whole, one byte at a time, and in seeded random
    /// splits: the same completion, nothing to send, and the same plaintext as the array API fed whole.
    @Test func receiveAnySplitMatchesArrayReceive() throws {
        var (pair, message3) = try Self.beforeMessage3()
        var frames: [UInt8] = []
        var expected: [UInt8] = []
        for size in [5, 65519, 1, 300, 65520, 17] {
            let data = pattern(size, seed: size)
            frames += try pair.dialer.seal(data)
            expected += data
        }
        let wire = message3 + frames

        var whole = pair.listener
        let reference = whole.receive(wire)
        #expect(reference.decryptedPlaintext == expected)
        let completed = Received(plaintext: expected, events: [.handshakeComplete(pair.dialerIdentity.peerID)])

        var pointerWhole = pair.listener
        #expect(feed(&pointerWhole, wire, pieces: [wire.count]) == completed)

        var dripped = pair.listener
        #expect(feed(&dripped, wire, pieces: [Int](repeating: 1, count: wire.count)) == completed)
        #expect(dripped.isEstablished)

        var rng = SeededGenerator.fromEnvironment("NoiseZeroCopy.splits")
        for round in 0..<40 {
            var pieces: [Int] = []
            var total = 0
            while total < wire.count {
                // Small, frame-sized and larger-than-frame pieces.
                let limit = [3, 200, 70_000][Int.random(in: 0..<3, using: &rng)]
                let piece = Int.random(in: 1...limit, using: &rng)
                pieces.append(piece)
                total += piece
            }
            var machine = pair.listener
            #expect(feed(&machine, wire, pieces: pieces) == completed, "round \(round) pieces \(pieces)")
        }
    }

    /// A frame split right after its prefix, inside its prefix and one byte before its end.
    @Test func maximumFrameSplitAtItsEdges() throws {
        var pair = try Pair()
        _ = pair.handshake()
        let data = pattern(NoiseSecureChannel.maxPlaintextPerFrame)
        let wire = try pair.dialer.seal(data)
        #expect(wire.count == 2 + 65535)
        #expect(wire.prefix(2) == [0xFF, 0xFF])
        for pieces in [[1], [2], [wire.count - 1], [1, 1, 65534], [2, 65535]] {
            var machine = pair.listener
            #expect(feed(&machine, wire, pieces: pieces) == Received(plaintext: data), "pieces \(pieces)")
            #expect(machine.isEstablished)
        }
    }

    /// Nothing to seal appends nothing; a machine not established refuses even that.
    @Test func emptyPlaintext() throws {
        var pair = try Pair()
        var out: [UInt8] = [9]
        #expect(throws: NoiseError.invalidState) {
            try [UInt8]().withUnsafeBytes { try pair.dialer.seal($0, appendingTo: &out) }
        }
        _ = pair.handshake()
        try [UInt8]().withUnsafeBytes { try pair.dialer.seal($0, appendingTo: &out) }
        #expect(out == [9])
        var plaintext: [UInt8] = [7]
        #expect(
            [UInt8]().withUnsafeBytes { pair.listener.receive($0, appendingPlaintextTo: &plaintext) } == NoiseOutput())
        #expect(plaintext == [7])
    }

    /// The caller's buffer is appended to, and once grown is reused without reallocating.
    @Test func plaintextBufferIsReused() throws {
        var pair = try Pair()
        _ = pair.handshake()
        var plaintext: [UInt8] = [1, 2]
        var wire = try pair.dialer.seal([3, 4])
        _ = wire.withUnsafeBytes { pair.listener.receive($0, appendingPlaintextTo: &plaintext) }
        #expect(plaintext == [1, 2, 3, 4])

        plaintext.removeAll(keepingCapacity: true)
        plaintext.reserveCapacity(100_000)
        let storage = plaintext.withUnsafeBytes { $0.baseAddress }
        for size in [100_000, 1, 65519, 50_000, 0, 99_999] {
            let data = pattern(size, seed: size)
            wire.removeAll(keepingCapacity: true)
            try data.withUnsafeBytes { try pair.dialer.seal($0, appendingTo: &wire) }
            plaintext.removeAll(keepingCapacity: true)
            let out = wire.withUnsafeBytes { pair.listener.receive($0, appendingPlaintextTo: &plaintext) }
            #expect(out == NoiseOutput())
            #expect(plaintext == data)
            #expect(plaintext.withUnsafeBytes { $0.baseAddress } == storage, "size \(size) reallocated")
        }
    }

    /// A tampered frame fails the session, whether whole in the input or completed from a carried partial frame;
    /// frames before it in the same read are delivered, nothing after it.
    @Test(arguments: [false, true])
    func tamperedFrameFailsTheSession(split: Bool) throws {
        var pair = try Pair()
        _ = pair.handshake()
        let first = try pair.dialer.seal(Array("good".utf8))
        var second = try pair.dialer.seal(pattern(1000))
        second[500] ^= 0x04
        let third = try pair.dialer.seal(Array("after".utf8))
        let wire = first + second + third
        var plaintext: [UInt8] = []
        var events: [NoiseEvent] = []
        let cut = split ? first.count + 300 : wire.count
        for range in [0..<cut, cut..<wire.count] where !range.isEmpty {
            let out = wire[range].withUnsafeBytes { pair.listener.receive($0, appendingPlaintextTo: &plaintext) }
            if let event = out.event { events.append(event) }
        }
        #expect(events == [.failed(.decryptionFailed)])
        #expect(plaintext == Array("good".utf8))
        #expect(pair.listener.isFailed)
        let later = try pair.dialer.seal([1])
        #expect(later.withUnsafeBytes { pair.listener.receive($0, appendingPlaintextTo: &plaintext) } == NoiseOutput())
        #expect(plaintext == Array("good".utf8))
        #expect(throws: NoiseError.invalidState) {
            try [UInt8(1)].withUnsafeBytes { try pair.listener.seal($0, appendingTo: &plaintext) }
        }
    }
}

@Suite struct NoiseSecureChannelTests {
    private static func channels() throws -> (NoiseSecureChannel, NoiseSecureChannel, NoiseCipherState) {
        let key = pattern(32, seed: 5)
        let a = NoiseSecureChannel(send: try NoiseCipherState(key: key), receive: try NoiseCipherState(key: key))
        return (a, a, try NoiseCipherState(key: key))
    }

    /// A 16-byte frame (empty message, as other implementations may send) adds nothing and uses its nonce.
    @Test func emptyMessageFrame() throws {
        var (channel, _, reference) = try Self.channels()
        let empty = try reference.encrypt(associatedData: [], plaintext: [])
        #expect(empty.count == 16)
        var out: [UInt8] = [1]
        try empty.withUnsafeBytes { try channel.open(frame: $0, appendingTo: &out) }
        #expect(out == [1])
        let next = try reference.encrypt(associatedData: [], plaintext: [2, 3])
        try next.withUnsafeBytes { try channel.open(frame: $0, appendingTo: &out) }
        #expect(out == [1, 2, 3])
        // Shorter than a tag, or replayed: refused, and the buffer is left as it was.
        for bad in [[UInt8](), [0, 1, 2], next] {
            #expect(throws: NoiseError.decryptionFailed) {
                try bad.withUnsafeBytes { try channel.open(frame: $0, appendingTo: &out) }
            }
        }
        #expect(out == [1, 2, 3])
    }

    /// The pointer variants produce what the array variants do, frame by frame.
    @Test func pointerAndArrayVariantsAgree() throws {
        var (sender, receiver, _) = try Self.channels()
        for size in [1, 16, 65519, 65520, 140_000] {
            let data = pattern(size, seed: size)
            var twin = sender
            let reference = try sender.seal(data)
            var out: [UInt8] = []
            try data.withUnsafeBytes { try twin.seal($0, appendingTo: &out) }
            #expect(out == reference, "size \(size)")
            var opened: [UInt8] = []
            var appended: [UInt8] = []
            var start = 0
            while start < reference.count {
                let length = Int(reference[start]) << 8 | Int(reference[start + 1])
                let body = Array(reference[(start + 2)..<(start + 2 + length)])
                var copy = receiver
                opened += try receiver.open(frame: body)
                try body.withUnsafeBytes { try copy.open(frame: $0, appendingTo: &appended) }
                start += 2 + length
            }
            #expect(opened == data)
            #expect(appended == data)
        }
    }

    @Test func cipherStatePointerVariants() throws {
        let key = pattern(32, seed: 9)
        var sender = try NoiseCipherState(key: key)
        var reference = try NoiseCipherState(key: key)
        var receiver = try NoiseCipherState(key: key)
        let data = pattern(1000)
        var buffer = data + [UInt8](repeating: 0, count: 16)
        // In place: ciphertext over the plaintext, then plaintext over the ciphertext.
        try buffer.withUnsafeMutableBytes { raw in
            try sender.encrypt(UnsafeRawBufferPointer(rebasing: raw[..<1000]), into: raw.baseAddress!)
        }
        #expect(buffer == (try reference.encrypt(associatedData: [], plaintext: data)))
        let count = try buffer.withUnsafeMutableBytes { raw in
            try receiver.decrypt(UnsafeRawBufferPointer(raw), into: raw.baseAddress!)
        }
        #expect(count == 1000)
        #expect(Array(buffer.prefix(count)) == data)
        #expect(sender.nonce == 1 && receiver.nonce == 1)
        // A failure leaves the nonce where it was.
        #expect(throws: NoiseError.decryptionFailed) {
            try buffer.withUnsafeMutableBytes { raw in
                _ = try receiver.decrypt(UnsafeRawBufferPointer(raw), into: raw.baseAddress!)
            }
        }
        #expect(receiver.nonce == 1)
        // Without a key: a copy.
        var unkeyed = NoiseCipherState()
        var out: [UInt8] = [4, 5, 6, 0, 0, 0]
        try out.withUnsafeMutableBytes { raw in
            try unkeyed.encrypt(UnsafeRawBufferPointer(rebasing: raw[..<3]), into: raw.baseAddress! + 3)
        }
        #expect(out == [4, 5, 6, 4, 5, 6])
        #expect(unkeyed.nonce == 0)
    }
}
