import Crypto
import Kademlia
import Libp2pCore
import Limits
import Node
import WaystoneRuntime
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// DHT queries we send: one request per stream on a connection the host dials or reuses, with a timeout.
extension KademliaService {
    /// What became of a query.
    enum QueryResult {
        case answered(KadMessage)
        /// The peer did not answer (dial or stream failure, reset, timeout, malformed answer).
        case failed
        /// Not sent for a local reason (no dialable address, too many dials or streams, stopping): says nothing
        /// about the peer.
        case notSent

        var response: KadMessage? {
            if case .answered(let message) = self { return message }
            return nil
        }
    }

    /// Sends `request` to `peer` (dialing one of `addresses` unless connected) and calls `completion` with the
    /// answer, or nil (``ask(_:addresses:_:result:)`` tells a silent peer from a query never sent).
    func query(
        _ peer: PeerID, addresses: [Multiaddr], _ request: KadMessage, completion: @escaping (KadMessage?) -> Void
    ) {
        ask(peer, addresses: addresses, request) { completion($0.response) }
    }

    /// ``query(_:addresses:_:completion:)`` with the three outcomes.
    func ask(_ peer: PeerID, addresses: [Multiaddr], _ request: KadMessage, result: @escaping (QueryResult) -> Void) {
        guard let host, !isStopped else { return result(.notSent) }
        let dialable = addresses.first(where: isDialable)
        let connected = host.session(for: peer) != nil
        guard connected || dialable != nil, connected || host.canDial else {
            metrics.query("not_sent")
            return result(.notSent)
        }
        host.connect(to: peer, at: dialable) { [weak self] session in
            guard let self else { return result(.notSent) }
            guard let session else {
                self.metrics.query("failed")
                return result(.failed)
            }
            guard let id = host.openStream(session, self.protocolID, owner: self) else {
                self.metrics.query("not_sent")
                return result(.notSent)
            }
            let key = StreamKey(session: ObjectIdentifier(session), id: id)
            let query = Query(peer: peer, session: session, completion: result)
            self.queries[key] = query
            query.timer = host.schedule(afterNanoseconds: self.queryTimeout) { [weak self, weak query] in
                guard let self, let query, self.queries[key] === query else { return }
                host.resetStream(session, id)
                self.finish(query, key, nil, result: "timeout")
            }
            let framed = request.framedBytes
            guard host.write(session, id, framed) == framed.count else {
                // The stream's queue cannot take the request (a tiny maxBufferedBytesPerConnection): not sent.
                if let timer = query.timer { host.cancel(timer) }
                self.queries[key] = nil
                host.resetStream(session, id)
                self.metrics.query("not_sent")
                return result(.notSent)
            }
        }
    }

    func queryData(_ query: Query, _ key: StreamKey, _ bytes: ArraySlice<UInt8>) {
        let before = query.framer.bufferedByteCount
        query.framer.append(bytes)
        count(query.framer.bufferedByteCount - before, key)
        let frame: [UInt8]
        do {
            guard let next = try query.framer.nextFrame() else { return }
            frame = next
        } catch {
            host?.resetStream(query.session, key.id)
            return finish(query, key, nil, result: "failed")
        }
        host?.closeWrite(query.session, key.id)
        finish(query, key, try? KadMessage(bytes: frame), result: "ok")
    }

    func finish(_ query: Query, _ key: StreamKey, _ response: KadMessage?, result: String) {
        guard queries.removeValue(forKey: key) === query else { return }
        count(-query.framer.bufferedByteCount, key)
        if let timer = query.timer { host?.cancel(timer) }
        metrics.query(response == nil && result == "ok" ? "failed" : result)
        query.completion(response.map { .answered($0) } ?? .failed)
    }

    func findNode(_ target: [UInt8]) -> KadMessage { KadMessage(type: .findNode, key: target) }
}
