import Crypto

/// The `Noise_XX_25519_ChaChaPoly_SHA256` handshake (Noise spec §5.3, pattern XX):
/// `-> e` ; `<- e, ee, s, es` ; `-> s, se`.
///
/// Pure: the static and ephemeral keys are handed in, so a handshake with fixed keys is reproducible byte for byte.
public struct NoiseHandshake: Sendable {
    /// Which side of the handshake this is.
    public enum Role: Sendable, Equatable {
        case initiator
        case responder
    }

    /// The protocol name, hashed into the initial state.
    public static let protocolName = "Noise_XX_25519_ChaChaPoly_SHA256"
    /// The largest Noise message (spec §3).
    public static let maxMessageLength = 65535
    private static let dhLength = X25519PrivateKey.byteCount
    private static let tagLength = ChaChaPoly.tagLength

    /// This side's role.
    public let role: Role
    private var symmetric: NoiseSymmetricState
    private let localStatic: X25519PrivateKey
    private let localEphemeral: X25519PrivateKey
    /// The remote static key, once received (after message 2 for the initiator, message 3 for the responder).
    public private(set) var remoteStaticKey: [UInt8]?
    private var remoteEphemeral: [UInt8]?
    /// The index (0, 1, 2) of the next handshake message; 3 once the handshake is complete.
    public private(set) var step = 0

    /// `Initialize(XX, role, prologue, s, e)`.
    public init(role: Role, staticKey: X25519PrivateKey, ephemeralKey: X25519PrivateKey, prologue: [UInt8] = []) {
        self.role = role
        self.localStatic = staticKey
        self.localEphemeral = ephemeralKey
        var symmetric = NoiseSymmetricState(protocolName: Self.protocolName)
        symmetric.mixHash(prologue)
        self.symmetric = symmetric
    }

    /// Whether all three messages have been processed.
    public var isComplete: Bool { step >= 3 }

    /// Whether the next message is ours to write.
    public var isLocalTurn: Bool { !isComplete && (step % 2 == 0) == (role == .initiator) }

    /// The handshake hash `h`, final once ``isComplete``.
    public var handshakeHash: [UInt8] { symmetric.hash }

    /// This side's static public key.
    public var localStaticPublicKey: [UInt8] { localStatic.publicKey }

    /// Writes the next handshake message carrying `payload`.
    /// - Throws: ``NoiseError/invalidState`` out of turn, ``NoiseError/messageTooLarge``,
    ///   ``NoiseError/invalidRemoteKey``.
    public mutating func writeMessage(payload: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard isLocalTurn else { throw .invalidState }
        var out: [UInt8] = []
        switch step {
        case 0:  // -> e
            out += localEphemeral.publicKey
            symmetric.mixHash(localEphemeral.publicKey)
        case 1:  // <- e, ee, s, es
            out += localEphemeral.publicKey
            symmetric.mixHash(localEphemeral.publicKey)
            try symmetric.mixKey(dh(localEphemeral, remoteEphemeral))
            out += try symmetric.encryptAndHash(localStatic.publicKey)
            try symmetric.mixKey(dh(localStatic, remoteEphemeral))
        default:  // -> s, se
            out += try symmetric.encryptAndHash(localStatic.publicKey)
            try symmetric.mixKey(dh(localStatic, remoteEphemeral))
        }
        let overhead = symmetric.cipher.hasKey ? Self.tagLength : 0
        guard out.count + payload.count + overhead <= Self.maxMessageLength else { throw .messageTooLarge }
        out += try symmetric.encryptAndHash(payload)
        step += 1
        return out
    }

    /// Reads the next handshake message; returns its payload.
    /// - Throws: ``NoiseError/invalidState`` out of turn, ``NoiseError/malformedHandshakeMessage``,
    ///   ``NoiseError/decryptionFailed``, ``NoiseError/invalidRemoteKey``.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete, !isLocalTurn else { throw .invalidState }
        guard message.count <= Self.maxMessageLength else { throw .malformedHandshakeMessage }
        var rest = message[...]
        switch step {
        case 0:  // -> e
            let e = try Self.take(Self.dhLength, from: &rest)
            remoteEphemeral = e
            symmetric.mixHash(e)
        case 1:  // <- e, ee, s, es
            let e = try Self.take(Self.dhLength, from: &rest)
            remoteEphemeral = e
            symmetric.mixHash(e)
            try symmetric.mixKey(dh(localEphemeral, e))
            let s = try symmetric.decryptAndHash(Self.take(Self.dhLength + Self.tagLength, from: &rest))
            remoteStaticKey = s
            try symmetric.mixKey(dh(localEphemeral, s))
        default:  // -> s, se
            let s = try symmetric.decryptAndHash(Self.take(Self.dhLength + Self.tagLength, from: &rest))
            remoteStaticKey = s
            try symmetric.mixKey(dh(localEphemeral, s))
        }
        if symmetric.cipher.hasKey, rest.count < Self.tagLength { throw .malformedHandshakeMessage }
        let payload = try symmetric.decryptAndHash(Array(rest))
        step += 1
        return payload
    }

    /// `Split()`: the cipher states to send and to receive with, for this side's role.
    /// - Throws: ``NoiseError/invalidState`` before the handshake is complete.
    public func split() throws(NoiseError) -> (send: NoiseCipherState, receive: NoiseCipherState) {
        guard isComplete else { throw .invalidState }
        let (c1, c2) = try symmetric.split()
        return role == .initiator ? (c1, c2) : (c2, c1)
    }

    private func dh(_ key: X25519PrivateKey, _ remote: [UInt8]?) throws(NoiseError) -> [UInt8] {
        guard let remote else { throw .invalidState }
        do {
            return try key.sharedSecret(with: remote)
        } catch {
            throw .invalidRemoteKey
        }
    }

    private static func take(_ count: Int, from rest: inout ArraySlice<UInt8>) throws(NoiseError) -> [UInt8] {
        guard rest.count >= count else { throw .malformedHandshakeMessage }
        let head = Array(rest.prefix(count))
        rest = rest.dropFirst(count)
        return head
    }
}
