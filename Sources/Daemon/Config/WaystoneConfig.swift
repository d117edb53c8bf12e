import Kademlia
import WaystoneRuntime

/// The daemon's validated configuration. Build it with `ConfigLoader`; `WaystoneConfig()` is
/// every key at its default. Field names mirror the JSON key paths (see `ConfigSchema`).
public struct WaystoneConfig: Sendable, Equatable {
    /// `log.*`: what is logged and how.
    public struct LogSection: Sendable, Equatable {
        public var level: LogLevel
        public var format: LogFormat
    }

    /// `metrics.*`: the Prometheus HTTP endpoint.
    public struct MetricsSection: Sendable, Equatable {
        public var listen: SocketAddress
        public var maxConnections: Int
        public var readTimeoutSeconds: Int
    }

    /// `libp2p.*`: libp2p listeners and advertised addresses (multiaddr strings).
    public struct Libp2pSection: Sendable, Equatable {
        public var listen: [String]
        public var announce: [String]
        public var allowPrivateAddresses: Bool
        public var peers: [String]
        public var addressRefreshSeconds: Int
        public var limits: Libp2pLimits
    }

    /// `libp2p.limits.*`: what inbound libp2p connections may cost.
    public struct Libp2pLimits: Sendable, Equatable {
        public var maxConnections: Int
        public var maxConnectionsPerIP: Int
        public var newConnectionsPerSecondPerIP: Int
        public var newConnectionsBurstPerIP: Int
        public var maxPendingHandshakes: Int
        public var handshakeTimeoutSeconds: Int
        public var maxStreamsPerConnection: Int
        public var maxStreamWindowBytes: Int
        public var maxInboundStreamsPerProtocol: Int
        public var maxBufferedBytesPerConnection: Int
        public var maxBufferedBytes: Int
        public var maxRsaKeyBits: Int
        public var maxPeerstorePeers: Int
    }

    /// `stun.*`: the STUN address observer (RFC 8489 Binding over UDP and TCP, RFC 5780).
    public struct StunSection: Sendable, Equatable {
        public var listen: [SocketAddress]
        public var udp: Bool
        public var tcp: Bool
        /// Empty: no SOFTWARE attribute.
        public var software: String
        /// 0: RFC 5780 off.
        public var alternatePort: Int
        /// IP literals (no brackets): a second IPv4 and/or IPv6 address for RFC 5780 change-IP.
        public var alternateAddresses: [String]
        public var limits: StunLimits
    }

    /// `stun.limits.*`: what one source may cost.
    public struct StunLimits: Sendable, Equatable {
        public var requestsPerSecondPerIP: Int
        public var burstPerIP: Int
        public var penaltySeconds: Int
        public var maxTrackedIPs: Int
        public var maxTcpConnections: Int
        public var maxTcpConnectionsPerIP: Int
        public var tcpIdleSeconds: Int
        public var maxRequestBytes: Int
    }

    /// `kademlia.*`: the Kademlia DHT service.
    public struct KademliaSection: Sendable, Equatable {
        public var enabled: Bool
        public var protocolID: String
        public var mode: KadMode
        public var bootstrapPeers: [String]
        public var bucketSize: Int
        public var alpha: Int
        public var queryTimeoutSeconds: Int
        public var refreshSeconds: Int
        public var snapshotSeconds: Int
        public var maxPeersPerGroupPerBucket: Int
        public var maxPeersPerGroup: Int
        public var limits: KademliaLimits
    }

    /// `kademlia.limits.*`.
    public struct KademliaLimits: Sendable, Equatable {
        public var requestsPerSecondPerPeer: Int
        public var burstPerPeer: Int
        public var maxStreamsPerPeer: Int
        public var maxProviderRecords: Int
        public var maxProvidersPerKey: Int
        public var maxValues: Int
    }

    /// `shutdown.*`: graceful stop behaviour.
    public struct ShutdownSection: Sendable, Equatable {
        public var drainSeconds: Int
    }

    public var dataDir: String
    public var log: LogSection
    public var metrics: MetricsSection
    public var libp2p: Libp2pSection
    public var kademlia: KademliaSection
    public var stun: StunSection
    public var shutdown: ShutdownSection

    /// Every key at its schema default.
    public init() { self = ConfigSchema.defaultConfig }

    /// Zero values that `ConfigSchema` overwrites with the defaults from its table.
    init(blank: Void) {
        dataDir = ""
        log = LogSection(level: .info, format: .logfmt)
        metrics = MetricsSection(listen: .anyIPv4(port: 0), maxConnections: 0, readTimeoutSeconds: 0)
        libp2p = Libp2pSection(
            listen: [], announce: [], allowPrivateAddresses: false, peers: [], addressRefreshSeconds: 0,
            limits: Libp2pLimits(
                maxConnections: 0, maxConnectionsPerIP: 0, newConnectionsPerSecondPerIP: 0, newConnectionsBurstPerIP: 0,
                maxPendingHandshakes: 0, handshakeTimeoutSeconds: 0, maxStreamsPerConnection: 0,
                maxStreamWindowBytes: 0,
                maxInboundStreamsPerProtocol: 0, maxBufferedBytesPerConnection: 0, maxBufferedBytes: 0,
                maxRsaKeyBits: 0,
                maxPeerstorePeers: 0))
        kademlia = KademliaSection(
            enabled: false, protocolID: "", mode: .bootstrap, bootstrapPeers: [], bucketSize: 0, alpha: 0,
            queryTimeoutSeconds: 0, refreshSeconds: 0, snapshotSeconds: 0, maxPeersPerGroupPerBucket: 0,
            maxPeersPerGroup: 0,
            limits: KademliaLimits(
                requestsPerSecondPerPeer: 0, burstPerPeer: 0, maxStreamsPerPeer: 0, maxProviderRecords: 0,
                maxProvidersPerKey: 0, maxValues: 0))
        stun = StunSection(
            listen: [], udp: false, tcp: false, software: "", alternatePort: 0, alternateAddresses: [],
            limits: StunLimits(
                requestsPerSecondPerIP: 0, burstPerIP: 0, penaltySeconds: 0, maxTrackedIPs: 0, maxTcpConnections: 0,
                maxTcpConnectionsPerIP: 0, tcpIdleSeconds: 0, maxRequestBytes: 0))
        shutdown = ShutdownSection(drainSeconds: 0)
    }

    /// Pretty JSON of every key with its effective value, in schema order (for `check-config`).
    public func effectiveJSON() -> String {
        ConfigSchema.nested(ConfigSchema.keys.map { ($0.path, $0.encode(self)) }).prettyPrinted()
    }

    /// Keys whose values differ between `self` (old) and `other` (new), in schema order,
    /// with values rendered as compact JSON. Use `ConfigSchema.runtimeKeyPaths` to decide
    /// whether each change was applied or needs a restart.
    public func diff(_ other: WaystoneConfig) -> [(keyPath: String, old: String, new: String)] {
        ConfigSchema.keys.compactMap { key in
            let old = key.encode(self)
            let new = key.encode(other)
            return old == new ? nil : (keyPath: key.path, old: old.compact(), new: new.compact())
        }
    }
}
