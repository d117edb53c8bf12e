import Node

/// Delivers a connection's stream events to the service that owns each stream, for ``Libp2pRole`` and for test
/// hosts alike. An inbound stream belongs to the service serving its protocol, an outbound one to the service that
/// opened it (``Libp2pSession/owners``); no other service hears of it. The owner is forgotten when the connection
/// reports the stream gone (``ConnectionEvent/streamClosed(_:)``), after every other event of the stream.
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
            session.owners[id]?.streamFinished(session, id)
        case .streamReset(let id, let code):
            session.owners[id]?.streamReset(session, id, code: code)
        case .streamOpenFailed(let id):
            session.owners[id]?.streamOpenFailed(session, id)
        case .streamClosed(let id):
            session.owners[id] = nil
        default:
            return false
        }
        return true
    }
}
