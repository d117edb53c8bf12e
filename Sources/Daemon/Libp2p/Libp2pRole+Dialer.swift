import Identify
import Libp2pCore
import Limits
import Node
import WaystoneRuntime

/// The dialer of `libp2p.peers`: kept connected, redialed after a failure or a disconnect.
extension Libp2pRole {
    /// Dials a `libp2p.peers` entry; a failed dial or a lost connection is retried after ``redialNanoseconds``.
    func dial(_ peer: ConfiguredPeer) {
        peer.redialTimer = nil
        do {
            try loop.connectTCP(peer.address, timeoutNanoseconds: handshakeNanoseconds) { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let connection):
                    self.begin(connection, direction: .outbound(expectedPeer: peer.id), peer: peer)
                case .failure(let error):
                    self.metrics.dialFailed("connect")
                    self.log(
                        "dial failed",
                        [("peer", peer.id.description), ("address", "\(peer.address)"), ("error", "\(error)")])
                    self.scheduleRedial(peer)
                }
            }
        } catch {
            metrics.dialFailed("connect")
            scheduleRedial(peer)
        }
    }

    func scheduleRedial(_ peer: ConfiguredPeer) {
        guard !isStopped, peer.redialTimer == nil else { return }
        peer.redialTimer = loop.schedule(afterNanoseconds: Self.redialNanoseconds) { [weak self, weak peer] in
            guard let self, let peer, !self.isStopped else { return }
            self.dial(peer)
        }
    }
}
