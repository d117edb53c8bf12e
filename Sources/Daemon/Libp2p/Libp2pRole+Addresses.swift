import Identify
import Libp2pCore
import Limits
import Node
import WaystoneRuntime

/// The addresses the role advertises: `libp2p.announce` or the bound addresses expanded to the interfaces, the signed peer
/// record built from them, their refresh, and the identify message that carries them.
extension Libp2pRole {
    /// What identify should advertise now: `libp2p.announce`, else the bound addresses (expanded), public ones only
    /// unless private addresses are allowed.
    func currentAddresses() -> [Multiaddr] {
        (announced.isEmpty ? Self.expand(listeners.map(\.localAddress), interfaceAddresses) : announced)
            .filter { allowPrivateAddresses || $0.isPublic }
    }

    /// The largest identify message we send (libp2p-digest: keep it well under go's 8 KiB read limit).
    static let maxIdentifyBytes = 4096

    /// Sets the advertised addresses and signs a peer record for them (sequence numbers only grow). Addresses are
    /// dropped from the end until the identify message, with the longest observed address, fits
    /// ``maxIdentifyBytes``.
    func advertise(_ addresses: [Multiaddr]) {
        var kept = addresses
        recordSequence = max(recordSequence + 1, EventLoop.wallClockNanoseconds())  // like go: Unix nanoseconds
        let longestObserved = try? Multiaddr("/ip6/::/tcp/65535")  // binary size of any IPv6 TCP address
        while true {
            advertised = kept
            let record = PeerRecord(peerID: identity.peerID, sequence: recordSequence, addresses: kept)
            signedPeerRecord = try? record.sealed(with: identity).bytes
            guard identifyMessage(observed: longestObserved).bytes.count > Self.maxIdentifyBytes, !kept.isEmpty else {
                break
            }
            kept.removeLast()
        }
        if kept.count < addresses.count {
            log("advertised addresses cut to fit identify", [("kept", "\(kept.count)"), ("of", "\(addresses.count)")])
        }
    }

    func scheduleAddressRefresh(every interval: UInt64) {
        refreshTimer = loop.schedule(afterNanoseconds: interval) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.refreshAddresses()
            self.scheduleAddressRefresh(every: interval)
        }
    }

    /// Re-reads the advertised addresses; when they changed, pushes identify to every upgraded peer that speaks
    /// identify push (go-libp2p pushes on `EvtLocalAddressesUpdated`).
    func refreshAddresses() {
        let addresses = currentAddresses()
        guard addresses != advertised else { return }
        advertise(addresses)
        log("advertised addresses changed", [("addresses", addresses.map(\.description).joined(separator: ","))])
        metrics.pushTriggered("address_change")
        for session in sessions.values where session.upgraded {
            guard let peer = session.machine.remotePeer,
                peerstore[peer]?.protocols.contains(Libp2pConnection.identifyPushProtocol) == true
            else { continue }
            apply(session.machine.pushIdentify(now: loop.nowNanoseconds()), session)
        }
    }

    /// The addresses a listener bound to `0.0.0.0` / `::` can be reached at: the host's interface addresses of that
    /// family (IPv6 link-local ones are left out: they need a zone). Specific addresses stay as they are.
    static func expand(
        _ bound: [SocketAddress],
        _ interfaceAddresses: (UInt16) -> [SocketAddress] = { InterfaceAddresses.all(port: $0) }
    ) -> [Multiaddr] {
        var result: [Multiaddr] = []
        for address in bound {
            let unspecified = address.addressBytes.allSatisfy { $0 == 0 }
            let candidates =
                unspecified
                ? interfaceAddresses(address.port).filter {
                    $0.isIPv6 == address.isIPv6 && !isLinkLocalIPv6($0)
                }
                : [address]
            for candidate in candidates {
                if let multiaddr = multiaddr(candidate), !result.contains(multiaddr) { result.append(multiaddr) }
            }
        }
        return result
    }

    static func isLinkLocalIPv6(_ address: SocketAddress) -> Bool {
        address.isIPv6 && address.addressBytes[0] == 0xFE && address.addressBytes[1] & 0xC0 == 0x80
    }

    static func multiaddr(_ address: SocketAddress) -> Multiaddr? {
        try? Multiaddr(
            address.isIPv6 ? "/ip6/\(address.host)/tcp/\(address.port)" : "/ip4/\(address.host)/tcp/\(address.port)")
    }

    func identifyMessage(observed: Multiaddr?) -> IdentifyMessage {
        IdentifyMessage(
            protocolVersion: Self.protocolVersion, agentVersion: Self.agentVersion,
            publicKey: identity.publicKey.protobufBytes, listenAddrs: advertised.map(\.bytes),
            observedAddr: observed?.bytes, protocols: protocols, signedPeerRecord: signedPeerRecord)
    }
}
