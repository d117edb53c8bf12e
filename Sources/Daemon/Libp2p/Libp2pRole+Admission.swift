import Identify
import Libp2pCore
import Limits
import Node
import WaystoneRuntime

/// Admission: inbound connections through the ``Libp2pAdmissionGate``, and the memory accounting that closes a
/// connection over its limits.
extension Libp2pRole {
    /// Which memory limit a connection holding `connection` bytes breaks (`"connection"`, `"system"`), if any: the
    /// total only counts against a connection that just grew, so draining connections are never closed for it.
    static func memoryScope(connection: Int, total: Int, grew: Bool, limits: WaystoneConfig.Libp2pLimits) -> String? {
        if limits.maxBufferedBytesPerConnection > 0 && connection > limits.maxBufferedBytesPerConnection {
            return "connection"
        }
        if grew && limits.maxBufferedBytes > 0 && total > limits.maxBufferedBytes { return "system" }
        return nil
    }

    /// The key per-IP limits count under: the IPv4 address, or the IPv6 /56 (one subscriber's usual allocation).
    static func ipGroup(_ address: SocketAddress) -> [UInt8] {
        address.isIPv6 ? Array(address.addressBytes.prefix(7)) : address.addressBytes
    }

    func accept(_ connection: TCPConnection) {
        let group = Self.ipGroup(connection.remoteAddress)
        let refusal = admission.refusal(
            group: group, total: sessions.count, bufferedBytes: bufferedBytes, now: loop.nowNanoseconds())
        guard let refusal else { return begin(connection, direction: .inbound) }
        metrics.refused(refusal)
        if refusal == "connection_limit" { metrics.blocked("inbound", "system", "connections") }
        if refusal == "memory" { metrics.blocked("inbound", "system", "memory") }
        connection.close()
    }

    /// Recounts what `session` holds; closes it when it is over `maxBufferedBytesPerConnection`, or grew while all
    /// connections together are over `maxBufferedBytes`. Returns whether the session lives.
    @discardableResult
    func account(_ session: Libp2pSession) -> Bool {
        var now = session.connection.queuedBytes + session.machine.bufferedBytes
        for service in services { now += service.bufferedBytes(of: session) }
        let grew = now > session.buffered
        bufferedBytes += now - session.buffered
        session.buffered = now
        let scope = Self.memoryScope(connection: now, total: bufferedBytes, grew: grew, limits: limits)
        guard let scope else { return true }
        metrics.blocked(session.direction, scope, "memory")
        session.connection.close()
        return false
    }
}
