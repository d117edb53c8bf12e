import Multistream

/// multistream-select on either side of a connection upgrade step: the listener answers, the dialer proposes.
enum ConnectionNegotiation {
    case listener(MultistreamListener)
    case dialer(MultistreamDialer)

    init(_ direction: Libp2pConnection.Direction, _ proto: String) {
        switch direction {
        case .inbound: self = .listener(MultistreamListener(supported: [proto]))
        case .outbound: self = .dialer(MultistreamDialer(proposals: [proto]))
        }
    }

    /// The dialer's opening bytes (header + proposal); nothing for a listener.
    mutating func start() -> [UInt8] {
        guard case .dialer(var dialer) = self else { return [] }
        let bytes = dialer.start().toSend
        self = .dialer(dialer)
        return bytes
    }

    mutating func receive(_ bytes: [UInt8]) -> MultistreamOutput {
        switch self {
        case .listener(var listener):
            let output = listener.receive(bytes)
            self = .listener(listener)
            return output
        case .dialer(var dialer):
            let output = dialer.receive(bytes)
            self = .dialer(dialer)
            return output
        }
    }
}
