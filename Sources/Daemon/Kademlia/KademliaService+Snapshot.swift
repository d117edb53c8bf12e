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

/// The snapshot store: the routing table (and, in full mode, provider and value records) saved atomically and loaded
/// at start, where its peers are verified before they enter the table.
extension KademliaService {
    /// Saves the routing table and, in full mode, the provider and value records (atomically, mode 0600).
    func saveSnapshot() {
        var snapshot = server.table.snapshot()
        let now = now
        let wall = host?.wallClockNanoseconds ?? 0
        server.providers.expire(now: now)
        snapshot.providers = server.providers.all.map {
            RoutingTableSnapshot.Provider(key: $0.key, provider: $0.info, expires: wall &+ ($0.expires &- now))
        }
        snapshot.values = Array(server.values.values)
        do {
            try AtomicFile.write(snapshot.encode(), to: snapshotPath, mode: 0o600)
            metrics.saved("ok")
        } catch {
            metrics.saved("error")
            log("kademlia snapshot not saved", [("path", snapshotPath), ("error", "\(error)")])
        }
    }

    /// Loads the snapshot and verifies its peers (`alpha` at a time); they enter the table as they answer. A damaged
    /// file is kept aside as `kademlia.snapshot.corrupt` and the node starts cold.
    func loadSnapshot() {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(snapshotPath, maxBytes: Self.maxSnapshotBytes)
        } catch {
            if case .system(let code) = error.kind, code == ENOENT {
                metrics.loaded("missing")
            } else {
                metrics.loaded("error")
                log("kademlia snapshot not read", [("path", snapshotPath), ("error", "\(error)")])
            }
            return
        }
        let snapshot: RoutingTableSnapshot
        do {
            snapshot = try RoutingTableSnapshot(
                bytes: bytes, limits: RoutingTableSnapshotLimits(maxBytes: Self.maxSnapshotBytes))
        } catch {
            metrics.loaded("corrupt")
            let aside = snapshotPath + ".corrupt"
            let moved = rename(snapshotPath, aside) == 0
            log(
                "kademlia snapshot corrupt, starting cold",
                [("path", snapshotPath), ("error", "\(error)"), ("kept_as", moved ? aside : "")])
            return
        }
        metrics.loaded("ok")
        let now = now
        let wall = host?.wallClockNanoseconds ?? 0
        if config.mode == .full {
            for record in snapshot.providers where record.expires > wall {
                server.providers.add(record.provider, for: record.key, expires: now &+ (record.expires - wall))
            }
            for record in snapshot.values { server.restoreValue(record) }
            updateGauges()
        }
        log(
            "kademlia snapshot loaded",
            [
                ("peers", "\(snapshot.entries.count)"), ("providers", "\(server.providers.count)"),
                ("values", "\(server.values.count)"),
            ])
        var queue = snapshot.entries.sorted { $0.lastSeen > $1.lastSeen }
        func next() {
            guard !isStopped, !queue.isEmpty else { return }
            let entry = queue.removeFirst()
            verify(entry.peer, addresses: entry.addresses) { _ in next() }
        }
        for _ in 0..<config.alpha { next() }
    }
}
