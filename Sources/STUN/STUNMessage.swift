import Crypto
import Wire

/// Why bytes are not a well-formed STUN message.
public enum STUNDecodeError: Error, Sendable, Hashable {
    /// Fewer than 20 bytes.
    case tooShort
    /// One of the two most significant bits of the type is set (not STUN; e.g. RTP or DTLS).
    case topBitsSet
    /// The header's length is not a multiple of 4.
    case lengthNotMultipleOfFour
    /// The header's length does not match the bytes given.
    case lengthMismatch
    /// An attribute (with its padding) runs past the end of the message.
    case attributeOverrun
    /// FINGERPRINT is not the last attribute, or its value is not 4 bytes.
    case misplacedFingerprint
}

/// One attribute as received: its value and the padding bytes that followed it (not always zero, RFC 5769).
public struct STUNAttribute: Sendable, Hashable {
    public var type: STUNAttributeType
    public var value: [UInt8]
    /// The 0–3 padding bytes as received; empty when built locally (the encoder pads with zeros).
    public var padding: [UInt8]
    /// Offset of this attribute's 4-byte header in the message, when decoded.
    public var offset: Int

    public init(type: STUNAttributeType, value: [UInt8], padding: [UInt8] = [], offset: Int = 0) {
        self.type = type
        self.value = value
        self.padding = padding
        self.offset = offset
    }
}

/// A decoded STUN message. `raw` keeps the bytes as received, so MESSAGE-INTEGRITY and FINGERPRINT are checked over
/// exactly what the peer sent.
public struct STUNMessage: Sendable, Hashable {
    public var messageClass: STUNClass
    /// The 12-bit method (0x001 = Binding).
    public var method: UInt16
    /// 0x2112A442 for RFC 5389/8489 messages; for RFC 3489 messages, the first 4 bytes of the 16-byte transaction ID.
    public var magicCookie: UInt32
    /// The 12-byte transaction ID (bytes 8..<20).
    public var transactionID: [UInt8]
    public var attributes: [STUNAttribute]
    /// The message as received.
    public var raw: [UInt8]

    /// True when the message has no magic cookie (an RFC 3489 client).
    public var isRFC3489: Bool { magicCookie != STUN.magicCookie }

    /// The full 16 bytes after the length field (cookie + transaction ID); RFC 3489's transaction ID.
    public var fullTransactionID: [UInt8] { Array(raw.dropFirst(4).prefix(16)) }

    /// Decodes one complete message. Never traps.
    public static func decode(_ bytes: some Collection<UInt8>) throws(STUNDecodeError) -> STUNMessage {
        let raw = Array(bytes)
        var attributes: [STUNAttribute] = []
        let error = raw.withUnsafeBytes { buf -> STUNDecodeError? in
            if let e = STUNScanner.validateHeader(buf, expectedCount: buf.count) { return e }
            return STUNScanner.forEachAttribute(buf) { type, offset, length in
                let valueStart = offset + 4
                let paddedEnd = valueStart + ((length + 3) & ~3)
                attributes.append(
                    STUNAttribute(
                        type: STUNAttributeType(type), value: Array(buf[valueStart..<(valueStart + length)]),
                        padding: Array(buf[(valueStart + length)..<paddedEnd]), offset: offset))
            }
        }
        if let error { throw error }
        let type = UInt16(raw[0]) << 8 | UInt16(raw[1])
        let cookie = UInt32(raw[4]) << 24 | UInt32(raw[5]) << 16 | UInt32(raw[6]) << 8 | UInt32(raw[7])
        return STUNMessage(
            messageClass: STUNMessageType.messageClass(type), method: STUNMessageType.method(type),
            magicCookie: cookie, transactionID: Array(raw[8..<20]), attributes: attributes, raw: raw)
    }

    /// The first attribute of `type`.
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    /// Whether FINGERPRINT matches the CRC-32 of the bytes before it; nil when there is none.
    public func fingerprintIsValid() -> Bool? {
        guard let fp = attribute(.fingerprint), fp.value.count == 4, fp.offset <= raw.count else { return nil }
        let expected = raw.withUnsafeBytes {
            STUNScanner.fingerprint(UnsafeRawBufferPointer(rebasing: $0[0..<fp.offset]))
        }
        let got = UInt32(fp.value[0]) << 24 | UInt32(fp.value[1]) << 16 | UInt32(fp.value[2]) << 8 | UInt32(fp.value[3])
        return expected == got
    }

    /// Whether MESSAGE-INTEGRITY (HMAC-SHA1) verifies under `key`, over the received bytes before it with the
    /// header length adjusted to end after MESSAGE-INTEGRITY; nil when there is none. Short-term credentials: the
    /// key is the (SASLprepped) password; long-term: MD5(username ":" realm ":" password).
    public func messageIntegrityIsValid(key: [UInt8]) -> Bool? {
        guard let mi = attribute(.messageIntegrity), mi.value.count == HMACSHA1.macLength,
            mi.offset >= STUN.headerLength, mi.offset <= raw.count
        else { return nil }
        var covered = Array(raw[0..<mi.offset])
        let length = mi.offset + 24 - STUN.headerLength
        covered[2] = UInt8(truncatingIfNeeded: length >> 8)
        covered[3] = UInt8(truncatingIfNeeded: length)
        return HMACSHA1.authenticationCode(key: key, message: covered) == mi.value
    }

    /// The long-term credential key MD5(username ":" realm ":" password); `password` must already be SASLprepped.
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        MD5.hash(Array("\(username):\(realm):\(password)".utf8))
    }

    /// XOR-MAPPED-ADDRESS, decoded.
    public func xorMappedAddress() -> STUNAddress? {
        guard let a = attribute(.xorMappedAddress) else { return nil }
        return STUNAddressCodec.decode(a.value, xorWith: fullTransactionID)
    }

    /// An address-valued attribute (MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, ...), decoded without XOR.
    public func address(_ type: STUNAttributeType) -> STUNAddress? {
        guard let a = attribute(type) else { return nil }
        return STUNAddressCodec.decode(a.value, xorWith: nil)
    }

    /// ERROR-CODE as a number (e.g. 420), when present.
    public func errorCode() -> Int? {
        guard let a = attribute(.errorCode), a.value.count >= 4 else { return nil }
        return Int(a.value[2] & 0x07) * 100 + Int(a.value[3])
    }

    /// The attribute types listed in UNKNOWN-ATTRIBUTES.
    public func unknownAttributes() -> [UInt16] {
        guard let a = attribute(.unknownAttributes) else { return [] }
        return stride(from: 0, to: a.value.count - 1, by: 2).map { UInt16(a.value[$0]) << 8 | UInt16(a.value[$0 + 1]) }
    }
}

/// Address attribute values (RFC 8489 §14.1–14.2).
enum STUNAddressCodec {
    /// Decodes family/port/address; `xorWith` is the 16 bytes of cookie + transaction ID for XOR-MAPPED-ADDRESS.
    static func decode(_ value: [UInt8], xorWith key: [UInt8]?) -> STUNAddress? {
        guard value.count >= 4 else { return nil }
        let ipLength: Int
        switch value[1] {
        case 0x01: ipLength = 4
        case 0x02: ipLength = 16
        default: return nil
        }
        guard value.count == 4 + ipLength else { return nil }
        var port = UInt16(value[2]) << 8 | UInt16(value[3])
        var ip = Array(value[4...])
        if let key, key.count == 16 {
            port ^= UInt16(key[0]) << 8 | UInt16(key[1])
            for i in 0..<ipLength { ip[i] ^= key[i] }
        }
        return STUNAddress(bytes: ip, port: port)
    }
}

/// Allocation-free scanning of a message in a raw buffer; shared by the decoder and the server's fast path.
enum STUNScanner {
    @inline(__always)
    static func be16(_ buf: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(buf[i]) << 8 | UInt16(buf[i + 1])
    }

    @inline(__always)
    static func be32(_ buf: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(buf[i]) << 24 | UInt32(buf[i + 1]) << 16 | UInt32(buf[i + 2]) << 8 | UInt32(buf[i + 3])
    }

    /// Checks the 20-byte header: top bits, length multiple of 4, and 20 + length == `expectedCount`.
    static func validateHeader(_ buf: UnsafeRawBufferPointer, expectedCount: Int) -> STUNDecodeError? {
        guard buf.count >= STUN.headerLength else { return .tooShort }
        guard buf[0] & 0xC0 == 0 else { return .topBitsSet }
        let length = Int(be16(buf, 2))
        guard length & 3 == 0 else { return .lengthNotMultipleOfFour }
        guard STUN.headerLength + length == expectedCount, expectedCount == buf.count else { return .lengthMismatch }
        return nil
    }

    /// Walks the attributes of a header-validated message, calling `body(type, offset, valueLength)` for each, where
    /// `offset` is the attribute header's offset. Checks that every attribute and its padding fit and that
    /// FINGERPRINT, when present, is last with a 4-byte value.
    @inline(__always)
    static func forEachAttribute(
        _ buf: UnsafeRawBufferPointer, _ body: (_ type: UInt16, _ offset: Int, _ length: Int) -> Void
    ) -> STUNDecodeError? {
        let end = buf.count
        var offset = STUN.headerLength
        while offset < end {
            guard end - offset >= 4 else { return .attributeOverrun }
            let type = be16(buf, offset)
            let length = Int(be16(buf, offset + 2))
            let padded = (length + 3) & ~3
            guard padded <= end - offset - 4 else { return .attributeOverrun }
            if type == STUNAttributeType.fingerprint.rawValue {
                guard length == 4, offset + 8 == end else { return .misplacedFingerprint }
            }
            body(type, offset, length)
            offset += 4 + padded
        }
        return nil
    }

    /// CRC-32 of `covered` XOR 0x5354554E.
    static func fingerprint(_ covered: UnsafeRawBufferPointer) -> UInt32 {
        CRC32.checksum(covered) ^ STUN.fingerprintXOR
    }
}
