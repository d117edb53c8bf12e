/// The libp2p `KeyType` enum of the key protobufs (`libp2p/specs:peer-ids/peer-ids.md`).
public enum KeyType: UInt64, Sendable, CaseIterable, CustomStringConvertible {
    case rsa = 0
    case ed25519 = 1
    case secp256k1 = 2
    case ecdsa = 3

    /// The lower-case name used in logs and configuration.
    public var description: String {
        switch self {
        case .rsa: "rsa"
        case .ed25519: "ed25519"
        case .secp256k1: "secp256k1"
        case .ecdsa: "ecdsa"
        }
    }
}
