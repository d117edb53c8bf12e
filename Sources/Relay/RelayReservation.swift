import Wire

/// The reservation in a successful RESERVE reply:
///
/// ```
/// message Reservation { optional uint64 expire = 1; repeated bytes addrs = 2; optional bytes voucher = 3; }
/// ```
///
/// `addrs` are the relay's public addresses, each ending in exactly one `/p2p/<relay>` and without `/p2p-circuit`
/// (rust clients fail the reservation when the list is empty). `voucher` is a sealed ``RelayVoucher`` envelope; its
/// presence is kept, because go clients verify a present voucher, even an empty one, and drop the reservation when it
/// is invalid.
public struct RelayReservation: Equatable, Sendable {
    /// When the reservation ends: absolute Unix time in seconds (UTC). Always written; an absent field decodes as 0.
    public var expire: UInt64
    /// Binary multiaddrs.
    public var addrs: [[UInt8]]
    /// The encoded voucher envelope (``RelayVoucher/sealed(with:)``), `nil` when absent.
    public var voucher: [UInt8]?

    public init(expire: UInt64, addrs: [[UInt8]] = [], voucher: [UInt8]? = nil) {
        self.expire = expire
        self.addrs = addrs
        self.voucher = voucher
    }

    /// Decodes a `Reservation` into `base` (a repeated `reservation` field merges).
    init(bytes: [UInt8], mergingInto base: RelayReservation) throws(WireError) {
        self = base
        var reader = try ProtobufReader(bytes, maxMessageSize: bytes.count)
        while let field = try reader.next() {
            switch field.number {
            case 1: expire = try field.varint()
            case 2: addrs.append(try field.bytes())
            case 3: voucher = try field.bytes()
            default: continue
            }
        }
    }

    /// The encoding, fields in number order.
    var bytes: [UInt8] {
        var writer = ProtobufWriter()
        writer.writeVarint(field: 1, expire)
        for address in addrs { writer.writeBytes(field: 2, address) }
        if let voucher { writer.writeBytes(field: 3, voucher) }
        return writer.bytes
    }
}
