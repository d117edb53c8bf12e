import Libp2pCore

/// Bounds and policies of a ``RoutingTable``.
public struct RoutingTableConfig: Sendable {
    /// k: entries per bucket (spec, go and rust: 20).
    public var bucketSize: Int
    /// Peers kept per bucket as replacements for entries found dead (bounded, most recent kept).
    public var replacementCacheSize: Int
    /// Addresses kept per peer (the first ones given, after filtering).
    public var maxAddressesPerPeer: Int
    /// How long a liveness check handed out by ``RoutingTable/observe(_:addresses:now:)`` may stay unanswered before
    /// the bucket issues a new one (nanoseconds; the caller's ping should time out well before).
    public var livenessCheckTimeout: UInt64
    /// IP-diversity caps (go-libp2p-kbucket's peerdiversity filter).
    public var diversity: IPDiversityLimits
    /// Which addresses the table keeps; a peer left without addresses is not added. Default: public only
    /// (``Multiaddr/isPublic``); labs that allow private addresses pass `{ _ in true }`.
    public var addressFilter: @Sendable (Multiaddr) -> Bool

    public init(
        bucketSize: Int = 20, replacementCacheSize: Int = 20, maxAddressesPerPeer: Int = 8,
        livenessCheckTimeout: UInt64 = 60_000_000_000, diversity: IPDiversityLimits = IPDiversityLimits(),
        addressFilter: @escaping @Sendable (Multiaddr) -> Bool = { $0.isPublic }
    ) {
        self.bucketSize = max(1, bucketSize)
        self.replacementCacheSize = max(0, replacementCacheSize)
        self.maxAddressesPerPeer = max(1, maxAddressesPerPeer)
        self.livenessCheckTimeout = livenessCheckTimeout
        self.diversity = diversity
        self.addressFilter = addressFilter
    }
}

/// Caps on routing-table peers sharing an IP group, in the spirit of go-libp2p-kbucket's peerdiversity filter (which
/// go-libp2p-kad-dht configures as 2 per group per bucket and 3 per group in the table). A group is an IPv4 /16 or an
/// IPv6 /32 (IPv4-mapped IPv6 counts as IPv4); a peer counts in the group of each of its kept addresses, and a peer
/// with no IP address (DNS only) in none.
public struct IPDiversityLimits: Sendable, Equatable {
    /// `false` disables the caps entirely (the daemon does so when private addresses are allowed, e.g. in labs).
    public var isEnabled: Bool
    /// Peers of one group per bucket.
    public var maxPerGroupPerBucket: Int
    /// Peers of one group in the whole table.
    public var maxPerGroupInTable: Int

    public init(isEnabled: Bool = true, maxPerGroupPerBucket: Int = 2, maxPerGroupInTable: Int = 3) {
        self.isEnabled = isEnabled
        self.maxPerGroupPerBucket = maxPerGroupPerBucket
        self.maxPerGroupInTable = maxPerGroupInTable
    }
}

/// The IP group of an address for ``IPDiversityLimits``: an IPv4 /16 or an IPv6 /32.
public struct IPGroup: Hashable, Sendable, CustomStringConvertible {
    /// 4 or 6, then the prefix bytes.
    let bytes: [UInt8]

    /// The group of an address whose first component is `ip4` or `ip6`; `nil` for others (DNS, unix, …).
    public init?(_ address: Multiaddr) {
        guard let ip = address.ipAddress else { return nil }
        if ip.count == 4 {
            bytes = [4, ip[0], ip[1]]
        } else if ip.count == 16 {
            let mapped = ip.prefix(10).allSatisfy { $0 == 0 } && ip[10] == 0xFF && ip[11] == 0xFF
            bytes = mapped ? [4, ip[12], ip[13]] : [6, ip[0], ip[1], ip[2], ip[3]]
        } else {
            return nil
        }
    }

    public var description: String {
        bytes[0] == 4
            ? "\(bytes[1]).\(bytes[2]).0.0/16"
            : String(format16(bytes[1], bytes[2])) + ":" + String(format16(bytes[3], bytes[4])) + "::/32"
    }

    private func format16(_ a: UInt8, _ b: UInt8) -> String {
        String(UInt16(a) << 8 | UInt16(b), radix: 16)
    }
}
