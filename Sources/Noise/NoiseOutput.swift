import Libp2pCore

/// What the machine reports after an event.
public enum NoiseEvent: Equatable, Sendable {
    /// The handshake finished; the remote's identity is verified.
    case handshakeComplete(PeerID)
    /// The session failed; close the connection. Later input is ignored.
    case failed(NoiseError)
}

/// The result of feeding the machine.
public struct NoiseOutput: Equatable, Sendable {
    /// Bytes to write to the connection, in order.
    public var bytesToSend: [UInt8] = []
    /// Decrypted application bytes, in order (always empty from ``NoiseMachine/receive(_:appendingPlaintextTo:)``,
    /// which appends them to the caller's buffer).
    public var decryptedPlaintext: [UInt8] = []
    /// At most one event: a failure wins over a completion in the same call.
    public var event: NoiseEvent?

    public init(bytesToSend: [UInt8] = [], decryptedPlaintext: [UInt8] = [], event: NoiseEvent? = nil) {
        self.bytesToSend = bytesToSend
        self.decryptedPlaintext = decryptedPlaintext
        self.event = event
    }
}
