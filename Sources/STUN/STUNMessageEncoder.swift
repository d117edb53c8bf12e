import Crypto
import Wire

/// Builds one STUN message into a single preallocated buffer; the header length is kept current after each append.
public struct STUNMessageEncoder: Sendable {
    /// The message so far (always a complete, valid message).
    public private(set) var bytes: [UInt8]

    /// Starts a message. `transactionID` is 12 bytes (padded with zeros / truncated otherwise); pass a
    /// `magicCookie` other than ``STUN/magicCookie`` only to echo an RFC 3489 transaction ID's first 4 bytes.
    public init(
        method: UInt16, messageClass: STUNClass, transactionID: some Collection<UInt8>,
        magicCookie: UInt32 = STUN.magicCookie, capacity: Int = 128
    ) {
        bytes = []
        bytes.reserveCapacity(max(capacity, STUN.headerLength))
        let type = STUNMessageType.encode(method: method, messageClass: messageClass)
        appendUInt16(type)
        appendUInt16(0)
        appendUInt32(magicCookie)
        var n = 0
        for b in transactionID.prefix(12) {
            bytes.append(b)
            n += 1
        }
        while n < 12 {
            bytes.append(0)
            n += 1
        }
    }

    /// Starts a response to the request in `request` (header-validated, ≥ 20 bytes): same cookie + transaction ID.
    init(responseTo request: UnsafeRawBufferPointer, method: UInt16, messageClass: STUNClass, capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
        appendUInt16(STUNMessageType.encode(method: method, messageClass: messageClass))
        appendUInt16(0)
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: request[4..<20]))
    }

    /// The length of the message so far.
    public var count: Int { bytes.count }

    /// Appends an attribute. `padding` gives the padding bytes (only the first `(4 - count % 4) % 4` are used,
    /// zeros fill the rest); default zeros. Values longer than 65535 bytes are truncated.
    public mutating func append(_ type: STUNAttributeType, value: some Collection<UInt8>, padding: [UInt8] = []) {
        let length = min(value.count, Int(UInt16.max) - 3)
        appendUInt16(type.rawValue)
        appendUInt16(UInt16(length))
        bytes.append(contentsOf: value.prefix(length))
        let padCount = (4 - length % 4) % 4
        for i in 0..<padCount { bytes.append(i < padding.count ? padding[i] : 0) }
        updateLength()
    }

    /// Appends an address attribute (MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS, SOURCE-/CHANGED-ADDRESS).
    public mutating func appendAddress(_ type: STUNAttributeType, _ address: STUNAddress) {
        let ip = address.bytes.prefix(16)
        appendUInt16(type.rawValue)
        appendUInt16(UInt16(4 + ip.count))
        bytes.append(0)
        bytes.append(address.family)
        appendUInt16(address.port)
        bytes.append(contentsOf: ip)
        updateLength()
    }

    /// Appends an XOR-address attribute (XOR-MAPPED-ADDRESS), XORed with this message's cookie and transaction ID.
    public mutating func appendXORAddress(_ type: STUNAttributeType, _ address: STUNAddress) {
        let ip = address.bytes.prefix(16)
        appendUInt16(type.rawValue)
        appendUInt16(UInt16(4 + ip.count))
        bytes.append(0)
        bytes.append(address.family)
        appendUInt16(address.port ^ (UInt16(bytes[4]) << 8 | UInt16(bytes[5])))
        for (i, b) in ip.enumerated() { bytes.append(b ^ bytes[4 + i]) }
        updateLength()
    }

    /// Appends ERROR-CODE (RFC 8489 §14.8) with `code` in 300...699 and a short reason phrase.
    public mutating func appendErrorCode(_ code: Int, reason: String) {
        let clamped = min(max(code, 300), 699)
        var value: [UInt8] = [0, 0, UInt8(clamped / 100), UInt8(clamped % 100)]
        value.append(contentsOf: reason.utf8.prefix(763))
        append(.errorCode, value: value)
    }

    /// Appends UNKNOWN-ATTRIBUTES listing `types`.
    public mutating func appendUnknownAttributes(_ types: [UInt16]) {
        var value: [UInt8] = []
        value.reserveCapacity(types.count * 2)
        for t in types.prefix(32_000) {
            value.append(UInt8(t >> 8))
            value.append(UInt8(t & 0xFF))
        }
        append(.unknownAttributes, value: value)
    }

    /// Appends MESSAGE-INTEGRITY: HMAC-SHA1 under `key` over the message so far, with the length covering it.
    public mutating func appendMessageIntegrity(key: [UInt8]) {
        setLength(bytes.count + 24 - STUN.headerLength)
        let mac = HMACSHA1.authenticationCode(key: key, message: bytes)
        append(.messageIntegrity, value: mac)
    }

    /// Appends FINGERPRINT (CRC-32 of the message so far, length covering it, XOR 0x5354554E). Must come last.
    public mutating func appendFingerprint() {
        setLength(bytes.count + 8 - STUN.headerLength)
        let crc = bytes.withUnsafeBytes { STUNScanner.fingerprint($0) }
        appendUInt16(STUNAttributeType.fingerprint.rawValue)
        appendUInt16(4)
        appendUInt32(crc)
    }

    /// The finished message.
    public func finish() -> [UInt8] { bytes }

    @inline(__always)
    private mutating func appendUInt16(_ v: UInt16) {
        bytes.append(UInt8(v >> 8))
        bytes.append(UInt8(v & 0xFF))
    }

    @inline(__always)
    private mutating func appendUInt32(_ v: UInt32) {
        appendUInt16(UInt16(v >> 16))
        appendUInt16(UInt16(v & 0xFFFF))
    }

    private mutating func updateLength() { setLength(bytes.count - STUN.headerLength) }

    private mutating func setLength(_ length: Int) {
        let l = UInt16(clamping: length)
        bytes[2] = UInt8(l >> 8)
        bytes[3] = UInt8(l & 0xFF)
    }
}
