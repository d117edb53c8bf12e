import Node

/// Delivers a connection's stream events to the service that owns each stream, for ``Libp2pRole`` and for test
/// hosts alike. An inbound stream belongs to the service serving its protocol, an outbound one to the service that
/// opened it (``Libp2pSession/owners``); no other service hears of it. The owner is forgotten with the stream.
struct Libp2pServiceRouter {
    let services: [any Libp2pService]

    /// Routes a stream event; false for connection-level events, which the caller handles.
    func route(_ event: ConnectionEvent, _ session: Libp2pSession) -> Bool {
        switch event {
        case .streamOpened(let id, let proto, let inbound):
            if inbound { session.owners[id] = services.first { $0.protocols.contains(proto) } }
            session.owners[id]?.streamOpened(session, id, protocol: proto, inbound: inbound)
        case .streamData(let id, let bytes):
            session.owners[id]?.streamData(session, id, bytes)
        case .streamWritable(let id):
            session.owners[id]?.streamWritable(session, id)
        case .streamFinished(let id):
            let owner = session.owners[id]
            if !session.machine.hasStream(id) { session.owners[id] = nil }
            owner?.streamFinished(session, id)
        case .streamReset(let id, let code):
            session.owners.removeValue(forKey: id)?.streamReset(session, id, code: code)
        case .streamOpenFailed(let id):
            session.owners.removeValue(forKey: id)?.streamOpenFailed(session, id)
        default:
            return false
        }
        return true
    }
}
