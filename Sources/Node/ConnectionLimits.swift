import Crypto

/// Per-connection limits that the connection machine enforces itself (the daemon enforces the rest at accept).
public struct ConnectionLimits: Sendable, Equatable {
    /// The largest RSA identity key a peer may present in the Noise handshake, in bits (2048...8192; larger keys
    /// are refused before their signature is checked).
    public var maxRSAKeyBits = RSAPublicKey.maxBits
    /// Inbound streams open at once on one connection per negotiated protocol; 0 means unlimited. A stream over it
    /// is reset right after negotiation and reported as ``ConnectionEvent/streamRefused(protocol:)``.
    public var maxInboundStreamsPerProtocol = 128
    /// Whether to ask the peer's identify once the connection is upgraded (both directions, as go-libp2p does).
    public var asksIdentify = true

    public init() {}
}
