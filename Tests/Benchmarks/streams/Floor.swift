import Crypto
import Glibc

/// The physical floor of a transfer: the same bytes sealed and opened with ChaCha20-Poly1305 (the `Crypto` module's
/// OpenSSL ChaChaPoly, as Noise uses it: one message per frame of at most 65519 plaintext bytes, Noise nonces, no
/// associated data), each opened frame compared with what was sealed.
func floorRun(bytes: Int) throws -> Measurement {
    let frameBytes = 65519
    let key = SecureRandom.bytes(ChaChaPoly.keyLength)
    let sealer = try ChaChaPoly(key: key)
    let opener = try ChaChaPoly(key: key)
    let frame = (0..<frameBytes).map { UInt8($0 % 251) }
    return try Measurement.of {
        var counter: UInt64 = 0
        var left = bytes
        while left > 0 {
            let n = min(frameBytes, left)
            let plaintext = n == frameBytes ? frame : Array(frame[..<n])
            let sealed = try sealer.seal(counter: counter, associatedData: [], plaintext: plaintext)
            let opened = try opener.open(counter: counter, associatedData: [], ciphertext: sealed)
            let same =
                opened.count == n
                && opened.withUnsafeBytes { a in
                    plaintext.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, n) == 0 }
                }
            guard same else { throw BenchError("floor: frame \(counter) did not round-trip") }
            counter += 1
            left -= n
        }
    }
}
