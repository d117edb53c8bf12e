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

/// Serving DHT requests: inbound streams, their framing, per-peer caps and rate limits, the answers.
extension KademliaService {
    func streamOpened(_ session: Libp2pSession, _ id: UInt32, protocol: String, inbound isInbound: Bool) {
        guard isInbound, let peer = session.remotePeer, let host else { return }
        let open = inboundPerPeer[peer, default: 0]
        guard config.limits.maxStreamsPerPeer == 0 || open < config.limits.maxStreamsPerPeer else {
            metrics.request("other", "stream_limit")
            host.resetStream(session, id)
            return
        }
        inboundPerPeer[peer] = open + 1
        inbound[ObjectIdentifier(session), default: [:]][id] = InboundStream(peer: peer)
    }

    func bufferedBytes(of session: Libp2pSession) -> Int { buffered[ObjectIdentifier(session), default: 0] }

    func count(_ delta: Int, _ key: StreamKey) {
        guard delta != 0 else { return }
        let total = buffered[key.session, default: 0] + delta
        buffered[key.session] = total > 0 ? total : nil
    }

    func streamData(_ session: Libp2pSession, _ id: UInt32, _ bytes: ArraySlice<UInt8>) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { return queryData(query, key, bytes) }
        // Taken out while it is worked on (no copy of its buffer per append); answers may re-enter the role.
        guard var stream = takeInbound(key), let host else { return }
        let before = stream.framer.bufferedByteCount
        stream.framer.append(bytes)
        var failure: String?
        while failure == nil {
            let frame: [UInt8]
            do {
                guard let next = try stream.framer.nextFrame() else { break }
                frame = next
            } catch {
                failure = "malformed"
                break
            }
            guard requestRate.admit(ip: stream.peer.bytes, now: now) == .allowed else {
                failure = "rate_limited"
                break
            }
            guard let request = try? KadMessage(bytes: frame) else {
                failure = "malformed"
                break
            }
            let type = KademliaMetrics.label(request.type)
            server.localAddresses = host.advertisedAddresses
            let outcome = server.handle(request, from: stream.peer, now: now) { [host] peer in
                guard host.session(for: peer) != nil, let entry = host.peerstore[peer] else { return nil }
                return entry.addresses
            }
            switch outcome {
            case .respond(let response):
                let framed = response.framedBytes
                guard host.write(session, id, framed) == framed.count else {
                    metrics.request(type, "refused")
                    failure = "write"
                    break
                }
                metrics.request(type, "ok")
            case .noResponse:
                metrics.request(type, "ok")
            case .refused:
                metrics.request(type, "refused")
                failure = "refused"
            }
        }
        count(-before, key)
        if let failure {
            if failure != "refused" && failure != "write" { metrics.request("other", failure) }
            release(stream)
            host.resetStream(session, id)
        } else if session.connection.isClosed {
            release(stream)
        } else {
            count(stream.framer.bufferedByteCount, key)
            inbound[key.session, default: [:]][key.id] = stream
        }
        updateGauges()
    }

    func takeInbound(_ key: StreamKey) -> InboundStream? {
        guard let stream = inbound[key.session]?.removeValue(forKey: key.id) else { return nil }
        if inbound[key.session]?.isEmpty == true { inbound[key.session] = nil }
        return stream
    }

    func release(_ stream: InboundStream) {
        let remaining = (inboundPerPeer[stream.peer] ?? 1) - 1
        inboundPerPeer[stream.peer] = remaining > 0 ? remaining : nil
    }

    func endInbound(_ key: StreamKey, _ session: Libp2pSession) {
        guard let stream = takeInbound(key) else { return }
        count(-stream.framer.bufferedByteCount, key)
        release(stream)
        host?.closeWrite(session, key.id)
    }

    /// The peer's FIN: an inbound request stream is done (we close ours); a query without its answer failed.
    func streamFinished(_ session: Libp2pSession, _ id: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] {
            host?.resetStream(session, id)
            return finish(query, key, nil, result: "failed")
        }
        endInbound(key, session)
    }

    func streamReset(_ session: Libp2pSession, _ id: UInt32, code: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { return finish(query, key, nil, result: "failed") }
        guard let stream = takeInbound(key) else { return }
        count(-stream.framer.bufferedByteCount, key)
        release(stream)
    }

    func streamOpenFailed(_ session: Libp2pSession, _ id: UInt32) {
        let key = StreamKey(session: ObjectIdentifier(session), id: id)
        if let query = queries[key] { finish(query, key, nil, result: "failed") }
    }

    func connectionClosed(_ session: Libp2pSession) {
        let sessionID = ObjectIdentifier(session)
        if let streams = inbound.removeValue(forKey: sessionID) {
            for stream in streams.values { release(stream) }
        }
        for (key, query) in queries where key.session == sessionID { finish(query, key, nil, result: "failed") }
        buffered[sessionID] = nil
    }
}
