import Testing
import Wire

@testable import Crypto

@Suite struct ChaChaPolyTests {
    /// RFC 8439 §2.8.2.
    @Test func rfc8439AEADVector() throws {
        let cipher = try ChaChaPoly(key: Array(0x80...0x9f))
        let nonce = try Hex.decode("070000004041424344454647")
        let aad = try Hex.decode("50515253c0c1c2c3c4c5c6c7")
        let plaintext = Array(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
                .utf8)
        let expected =
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691"
        let sealed = try cipher.seal(nonce: nonce, associatedData: aad, plaintext: plaintext)
        #expect(Hex.encode(sealed) == expected)
        // The same context decrypts after encrypting, and encrypts again identically.
        #expect(try cipher.open(nonce: nonce, associatedData: aad, ciphertext: sealed) == plaintext)
        #expect(try cipher.seal(nonce: nonce, associatedData: aad, plaintext: plaintext) == sealed)
    }

    @Test func tamperingIsDetected() throws {
        let key = [UInt8](repeating: 7, count: 32)
        let sender = try ChaChaPoly(key: key)
        let receiver = try ChaChaPoly(key: key)
        let sealed = try sender.seal(counter: 5, associatedData: [1, 2], plaintext: Array("hello".utf8))
        #expect(try receiver.open(counter: 5, associatedData: [1, 2], ciphertext: sealed) == Array("hello".utf8))
        for i in sealed.indices {
            var bad = sealed
            bad[i] ^= 0x40
            #expect(throws: CryptoError.authenticationFailed) {
                try receiver.open(counter: 5, associatedData: [1, 2], ciphertext: bad)
            }
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try receiver.open(counter: 6, associatedData: [1, 2], ciphertext: sealed)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try receiver.open(counter: 5, associatedData: [], ciphertext: sealed)
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try receiver.open(counter: 5, associatedData: [1, 2], ciphertext: Array(sealed.prefix(15)))
        }
        // Still usable after failures.
        #expect(try receiver.open(counter: 5, associatedData: [1, 2], ciphertext: sealed) == Array("hello".utf8))
    }

    @Test func emptyPlaintextAndNoiseNonce() throws {
        let cipher = try ChaChaPoly(key: [UInt8](repeating: 1, count: 32))
        let sealed = try cipher.seal(counter: 0, associatedData: [], plaintext: [])
        #expect(sealed.count == 16)
        #expect(try cipher.open(counter: 0, associatedData: [], ciphertext: sealed) == [])
        #expect(Hex.encode(ChaChaPoly.noiseNonce(0x0102_0304_0506_0708)) == "000000000807060504030201")
        #expect(throws: CryptoError.invalidKeyLength(expected: 32, actual: 16)) {
            try ChaChaPoly(key: [UInt8](repeating: 1, count: 16))
        }
    }

    /// The pointer-based Noise calls write what the array-based ones return, for any length and counter.
    @Test(arguments: [0, 1, 15, 16, 17, 64, 1000, 65519])
    func pointerCallsMatchArrayCalls(length: Int) throws {
        let cipher = try ChaChaPoly(key: Array(0..<32))
        let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        for counter: UInt64 in [0, 1, 0x0102_0304_0506_0708, UInt64.max - 1] {
            let expected = try cipher.seal(counter: counter, associatedData: [], plaintext: plaintext)
            var sealed = [UInt8](repeating: 0xEE, count: length + 16 + 1)
            try plaintext.withUnsafeBytes { input in
                try sealed.withUnsafeMutableBytes {
                    try cipher.seal(counter: counter, plaintext: input, into: $0.baseAddress!)
                }
            }
            #expect(Array(sealed.prefix(length + 16)) == expected)
            #expect(sealed.last == 0xEE, "wrote past ciphertext || tag")
            var opened = [UInt8](repeating: 0xEE, count: length + 1)
            let count = try expected.withUnsafeBytes { input in
                try opened.withUnsafeMutableBytes {
                    try cipher.open(counter: counter, ciphertext: input, into: $0.baseAddress!)
                }
            }
            #expect(count == length)
            #expect(Array(opened.prefix(length)) == plaintext)
            #expect(opened.last == 0xEE, "wrote past the plaintext")
        }
    }

    /// Output over the input: seal in place, then open in place; a tampered buffer fails in place too.
    @Test func inPlaceSealAndOpen() throws {
        let key = [UInt8](repeating: 4, count: 32)
        let sender = try ChaChaPoly(key: key)
        let receiver = try ChaChaPoly(key: key)
        for length in [0, 1, 100, 65519] {
            let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ 7) }
            let expected = try sender.seal(counter: 3, associatedData: [], plaintext: plaintext)
            var buffer = plaintext + [UInt8](repeating: 0, count: 16)
            try buffer.withUnsafeMutableBytes { raw in
                try sender.seal(
                    counter: 3, plaintext: UnsafeRawBufferPointer(rebasing: raw[..<length]), into: raw.baseAddress!)
            }
            #expect(buffer == expected)
            var tampered = buffer
            let count = try buffer.withUnsafeMutableBytes { raw in
                try receiver.open(counter: 3, ciphertext: UnsafeRawBufferPointer(raw), into: raw.baseAddress!)
            }
            #expect(count == length)
            #expect(Array(buffer.prefix(length)) == plaintext)
            tampered[tampered.count - 1 - length / 2] ^= 1
            #expect(throws: CryptoError.authenticationFailed) {
                try tampered.withUnsafeMutableBytes { raw in
                    try receiver.open(counter: 3, ciphertext: UnsafeRawBufferPointer(raw), into: raw.baseAddress!)
                }
            }
        }
    }

    @Test func pointerOpenRefusesShortOrForeignInput() throws {
        let cipher = try ChaChaPoly(key: [UInt8](repeating: 2, count: 32))
        var out = [UInt8](repeating: 0, count: 32)
        for input in [[UInt8](), [UInt8](repeating: 0, count: 15), [UInt8](repeating: 0, count: 16)] {
            #expect(throws: CryptoError.authenticationFailed) {
                try input.withUnsafeBytes { input in
                    try out.withUnsafeMutableBytes {
                        try cipher.open(counter: 0, ciphertext: input, into: $0.baseAddress!)
                    }
                }
            }
        }
        // Sealed with associated data: the pointer call (empty associated data) refuses it.
        let sealed = try cipher.seal(counter: 0, associatedData: [1], plaintext: [1, 2])
        #expect(throws: CryptoError.authenticationFailed) {
            try sealed.withUnsafeBytes { input in
                try out.withUnsafeMutableBytes { try cipher.open(counter: 0, ciphertext: input, into: $0.baseAddress!) }
            }
        }
    }
}
