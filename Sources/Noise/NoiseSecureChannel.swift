import Crypto

/// The libp2p Noise transport after the handshake: 2-byte big-endian length-prefixed frames, each one
/// ChaChaPoly message of at most 65535 bytes (at most 65519 bytes of plaintext).
///
/// The pointer-based ``seal(_:appendingTo:)`` and ``open(frame:appendingTo:)`` encrypt and decrypt straight into
/// the caller's buffer (one pass over each payload byte, no temporaries).
public struct NoiseSecureChannel: Sendable {
    /// The largest frame body (a Noise message).
    public static let maxFrameLength = 65535
    /// The most plaintext sealed into one frame (go's `MaxPlaintextLength`).
    public static let maxPlaintextPerFrame = maxFrameLength - ChaChaPoly.tagLength
    /// Length prefix and tag: what a frame adds to its plaintext.
    public static let frameOverhead = 2 + ChaChaPoly.tagLength

    private var sender: NoiseCipherState
    private var receiver: NoiseCipherState

    /// A channel from the cipher states of ``NoiseHandshake/split()``.
    public init(send: NoiseCipherState, receive: NoiseCipherState) {
        self.sender = send
        self.receiver = receive
    }

    /// The wire length of `count` plaintext bytes once sealed: 18 bytes more per frame, nothing for 0 bytes.
    public static func sealedLength(_ count: Int) -> Int {
        count + (count + maxPlaintextPerFrame - 1) / maxPlaintextPerFrame * frameOverhead
    }

    /// Seals `plaintext` into as many frames as needed (none for empty input), length prefixes included, appended
    /// to `out`: `out` grows once by ``sealedLength(_:)`` and each chunk is encrypted straight into its frame.
    /// On failure `out` keeps its former bytes.
    /// - Throws: ``NoiseError/nonceExhausted``.
    public mutating func seal(_ plaintext: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) throws(NoiseError) {
        guard !plaintext.isEmpty else { return }
        let length = Self.sealedLength(plaintext.count)
        var failure: NoiseError?
        if out.isEmpty {
            // The usual case (a fresh output): sealed into uninitialized storage, no zero fill first.
            out = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                failure = sealFrames(plaintext, into: UnsafeMutableRawPointer(buffer.baseAddress!))
                initialized = failure == nil ? length : 0
            }
        } else {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: length))
            failure = out.withUnsafeMutableBytes { sealFrames(plaintext, into: $0.baseAddress! + start) }
            if failure != nil { out.removeLast(length) }
        }
        if let failure { throw failure }
    }

    /// Writes the frames of `plaintext` (``sealedLength(_:)`` bytes) at `base`; the error, if sealing failed.
    private mutating func sealFrames(_ plaintext: UnsafeRawBufferPointer, into base: UnsafeMutableRawPointer)
        -> NoiseError?
    {
        var position = 0
        var offset = 0
        while offset < plaintext.count {
            let length = min(Self.maxPlaintextPerFrame, plaintext.count - offset)
            let bodyLength = length + ChaChaPoly.tagLength
            base.storeBytes(of: UInt8(truncatingIfNeeded: bodyLength >> 8), toByteOffset: position, as: UInt8.self)
            base.storeBytes(of: UInt8(truncatingIfNeeded: bodyLength), toByteOffset: position + 1, as: UInt8.self)
            do throws(NoiseError) {
                try sender.encrypt(
                    UnsafeRawBufferPointer(rebasing: plaintext[offset..<(offset + length)]), into: base + position + 2)
            } catch {
                return error
            }
            position += 2 + bodyLength
            offset += length
        }
        return nil
    }

    /// Seals `plaintext` into as many frames as needed (none for empty input), length prefixes included.
    /// - Throws: ``NoiseError/nonceExhausted``.
    public mutating func seal(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        var out: [UInt8] = []
        let failure = plaintext.withUnsafeBytes { bytes -> NoiseError? in
            do throws(NoiseError) {
                try seal(bytes, appendingTo: &out)
            } catch {
                return error
            }
            return nil
        }
        if let failure { throw failure }
        return out
    }

    /// Opens one frame body (without its length prefix), appending its plaintext to `out`: decrypted straight into
    /// `out`'s new tail. On failure `out` keeps its former bytes and the nonce does not advance.
    /// - Throws: ``NoiseError/decryptionFailed``, ``NoiseError/nonceExhausted``.
    public mutating func open(frame body: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) throws(NoiseError) {
        let length = receiver.hasKey ? body.count - ChaChaPoly.tagLength : body.count
        guard length > 0 else {
            // Nothing to write (an empty message, or too short to authenticate): any address serves as the output.
            var scratch: UInt8 = 0
            let failure = withUnsafeMutableBytes(of: &scratch) { scratch -> NoiseError? in
                do throws(NoiseError) {
                    _ = try receiver.decrypt(body, into: scratch.baseAddress!)
                } catch {
                    return error
                }
                return nil
            }
            if let failure { throw failure }
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        let failure = out.withUnsafeMutableBytes { buffer -> NoiseError? in
            do throws(NoiseError) {
                _ = try receiver.decrypt(body, into: buffer.baseAddress! + start)
            } catch {
                return error
            }
            return nil
        }
        if let failure {
            out.removeLast(length)
            throw failure
        }
    }

    /// Opens one frame body (without its length prefix).
    /// - Throws: ``NoiseError/decryptionFailed``, ``NoiseError/nonceExhausted``.
    public mutating func open(frame body: [UInt8]) throws(NoiseError) -> [UInt8] {
        var out: [UInt8] = []
        let failure = body.withUnsafeBytes { bytes -> NoiseError? in
            do throws(NoiseError) {
                try open(frame: bytes, appendingTo: &out)
            } catch {
                return error
            }
            return nil
        }
        if let failure { throw failure }
        return out
    }
}
