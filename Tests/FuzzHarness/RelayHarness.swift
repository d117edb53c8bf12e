import Libp2pCore
import Relay

/// Relay: the circuit relay v2 hop/stop message codec and the reservation voucher.
public enum RelayHarness {
    /// The input as a hop and as a stop message, bare and framed, then as a voucher envelope and payload.
    public static func message(_ bytes: [UInt8], check: FuzzCheck) {
        roundTrip(HopMessage.self, bytes, check: check)
        roundTrip(StopMessage.self, bytes, check: check)
        voucher(bytes, check: check)
    }

    /// `M(bytes:)`: a decoded message re-encodes to bytes that decode equal and re-encode identically, at most 24
    /// bytes longer than the input (an explicit `type`, both `limit` fields, a reservation's `expire` and a peer's
    /// `id` written; int32 enums sign-extended; grown length prefixes), and framed it unframes to itself with nothing
    /// behind. `M.unframe`: the rest is the input's tail behind at most a 2-byte prefix and `maxSize` bytes.
    static func roundTrip<M: RelayWireMessage>(_: M.Type, _ bytes: [UInt8], check: FuzzCheck) {
        if let (_, rest) = try? M.unframe(bytes) {
            let consumed = bytes.count - rest.count
            check(consumed >= 1 && consumed <= RelayMessage.maxSize + 2, "unframe consumed \(consumed) bytes")
            check(rest[...] == bytes.suffix(rest.count), "the rest is not the input's tail")
        }
        guard let message = try? M(bytes: bytes) else { return }
        let encoded = message.bytes
        check(encoded.count <= bytes.count + 24, "re-encoding (\(encoded.count)) above the input + 24 (\(bytes.count))")
        guard encoded.count <= RelayMessage.maxSize else { return }
        let again = try? M(bytes: encoded)
        check(again == message, "\(M.self) re-decodes differently")
        check(again?.bytes == encoded, "\(M.self) re-encoding is not a fixed point")
        let unframed = try? M.unframe(message.framedBytes)
        check(unframed?.message == message && unframed?.rest.isEmpty == true, "\(M.self) framed round trip differs")
    }

    /// `RelayVoucher(payload:)` and `RelayVoucher.open(bytes:)`: a decoded payload re-decodes equal from its
    /// canonical encoding, never longer than the input; an opened voucher has a valid signature by its own relay.
    static func voucher(_ bytes: [UInt8], check: FuzzCheck) {
        if let voucher = try? RelayVoucher(payload: bytes) {
            check((try? RelayVoucher(payload: voucher.payload)) == voucher, "voucher payload re-decodes differently")
            check(voucher.payload.count <= bytes.count, "canonical voucher payload longer than the input")
        }
        guard let envelope = try? SignedEnvelope(bytes: bytes), let voucher = try? RelayVoucher.open(envelope) else {
            return
        }
        check(envelope.isValid(domain: RelayVoucher.domain), "opened a voucher without a valid signature")
        check(voucher.relay == envelope.publicKey.peerID, "opened a voucher not signed by its relay")
    }
}
