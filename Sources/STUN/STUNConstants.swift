/// Protocol constants (RFC 8489, RFC 5780, RFC 3489).
public enum STUN {
    /// The magic cookie of RFC 5389/8489 messages; RFC 3489 messages carry transaction-ID bytes here instead.
    public static let magicCookie: UInt32 = 0x2112_A442
    /// XORed into the CRC-32 of the message to form FINGERPRINT ("STUN").
    public static let fingerprintXOR: UInt32 = 0x5354_554E
    public static let headerLength = 20
    /// The Binding method.
    public static let bindingMethod: UInt16 = 0x001
}

/// The class of a STUN message (the C1/C0 bits of the message type).
public enum STUNClass: UInt8, Sendable, Hashable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// The 16-bit message type: 12 method bits interleaved with 2 class bits, top two bits zero.
public enum STUNMessageType {
    /// Packs `method` (12 bits) and `messageClass` into the wire type.
    public static func encode(method: UInt16, messageClass: STUNClass) -> UInt16 {
        let m = method & 0x0FFF
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    /// The method (12 bits) of a wire type.
    public static func method(_ type: UInt16) -> UInt16 {
        (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80)
    }

    /// The class of a wire type.
    public static func messageClass(_ type: UInt16) -> STUNClass {
        switch ((type >> 7) & 0b10) | ((type >> 4) & 0b01) {
        case 0b00: .request
        case 0b01: .indication
        case 0b10: .successResponse
        default: .errorResponse
        }
    }
}

/// A STUN attribute type. Types below 0x8000 are comprehension-required, the rest comprehension-optional.
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    public static let mappedAddress = STUNAttributeType(0x0001)
    /// RFC 3489 only (removed by RFC 5389); not supported: it would let a client aim responses at a third party.
    public static let responseAddress = STUNAttributeType(0x0002)
    /// RFC 5780 (and RFC 3489).
    public static let changeRequest = STUNAttributeType(0x0003)
    /// RFC 3489 response attributes: the address the response was sent from / the alternate address.
    public static let sourceAddress = STUNAttributeType(0x0004)
    public static let changedAddress = STUNAttributeType(0x0005)
    public static let username = STUNAttributeType(0x0006)
    public static let messageIntegrity = STUNAttributeType(0x0008)
    public static let errorCode = STUNAttributeType(0x0009)
    public static let unknownAttributes = STUNAttributeType(0x000A)
    public static let realm = STUNAttributeType(0x0014)
    public static let nonce = STUNAttributeType(0x0015)
    public static let messageIntegritySHA256 = STUNAttributeType(0x001C)
    public static let passwordAlgorithm = STUNAttributeType(0x001D)
    public static let userhash = STUNAttributeType(0x001E)
    public static let xorMappedAddress = STUNAttributeType(0x0020)
    /// RFC 8445 (ICE).
    public static let priority = STUNAttributeType(0x0024)
    public static let useCandidate = STUNAttributeType(0x0025)
    /// RFC 5780.
    public static let padding = STUNAttributeType(0x0026)
    public static let responsePort = STUNAttributeType(0x0027)
    public static let passwordAlgorithms = STUNAttributeType(0x8002)
    public static let alternateDomain = STUNAttributeType(0x8003)
    public static let software = STUNAttributeType(0x8022)
    public static let alternateServer = STUNAttributeType(0x8023)
    public static let fingerprint = STUNAttributeType(0x8028)
    public static let iceControlled = STUNAttributeType(0x8029)
    public static let iceControlling = STUNAttributeType(0x802A)
    /// RFC 5780.
    public static let responseOrigin = STUNAttributeType(0x802B)
    public static let otherAddress = STUNAttributeType(0x802C)

    public var description: String { "0x" + String(rawValue, radix: 16) }
}
