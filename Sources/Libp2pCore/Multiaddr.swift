import Wire

/// A multiaddr (`multiformats/multiaddr`): binary `uvarint(code) || value …`, text `/<name>/<value>…`.
///
/// Both parsers bound their input (``maxLength`` binary bytes, ``maxTextLength`` text bytes,
/// ``maxComponents`` components) before allocating per component, and report every malformed
/// input as a ``MultiaddrError``. A value is never empty: `""`, `/` and empty bytes are rejected.
/// `/p2p/` accepts base58 peer IDs and CIDv1 (`b…`, `k…`) forms and prints base58; `/ipfs/` is
/// read as `/p2p/`; `certhash` accepts any supported multibase and prints base64url (`u…`).
public struct Multiaddr: Hashable, Sendable, CustomStringConvertible {
    /// The largest binary form accepted or built.
    public static let maxLength = 1024
    /// The longest text form accepted.
    public static let maxTextLength = 4096
    /// The most components accepted or built.
    public static let maxComponents = 32

    /// One `(protocol, value)` pair; `value` is the binary value (empty for valueless protocols).
    public struct Component: Hashable, Sendable, CustomStringConvertible {
        public let `protocol`: MultiaddrProtocol
        public let value: [UInt8]

        /// The text form, `/<name>` or `/<name>/<value>`.
        public var description: String {
            switch `protocol`.size {
            case .none: return "/" + `protocol`.name
            default:
                let text = MultiaddrValue.render(value, for: `protocol`)
                // unix paths keep their leading "/" in the bytes.
                return "/" + `protocol`.name + (`protocol`.kind == .path ? "" : "/") + text
            }
        }

        /// The binary form.
        public var bytes: [UInt8] {
            var out: [UInt8] = []
            UVarint.append(`protocol`.code, to: &out)
            if case .variable = `protocol`.size { UVarint.append(UInt64(value.count), to: &out) }
            return out + value
        }
    }

    /// The binary form.
    public let bytes: [UInt8]
    /// The components, in order.
    public let components: [Component]

    /// Decodes and validates the binary form.
    public init(bytes: [UInt8]) throws(MultiaddrError) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maxLength else { throw .tooLong(limit: Self.maxLength) }
        var reader = ByteReader(bytes)
        var components: [Component] = []
        while !reader.isAtEnd {
            guard components.count < Self.maxComponents else { throw .tooManyComponents(limit: Self.maxComponents) }
            do {
                let code = try reader.readUVarint()
                guard let proto = MultiaddrProtocol(code: code) else { throw MultiaddrError.unknownProtocolCode(code) }
                let value: [UInt8]
                switch proto.size {
                case .none: value = []
                case .fixed(let n): value = try reader.readBytes(n)
                case .variable: value = try reader.readLengthPrefixedBytes(maxLength: Self.maxLength)
                }
                try MultiaddrValue.validate(value, for: proto)
                components.append(Component(protocol: proto, value: value))
            } catch let error as MultiaddrError {
                throw error
            } catch let error as WireError {
                throw .malformedBytes(error)
            } catch {
                throw .malformedBytes(.truncated)
            }
        }
        self.bytes = bytes
        self.components = components
    }

    /// Parses the text form. One trailing `/` is accepted.
    public init(_ string: String) throws(MultiaddrError) {
        guard string.utf8.count <= Self.maxTextLength else { throw .tooLong(limit: Self.maxTextLength) }
        guard string.hasPrefix("/") else { throw string.isEmpty ? .empty : .missingLeadingSlash }
        var parts = string.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if parts.last?.isEmpty == true { parts = parts.dropLast() }
        guard !parts.isEmpty else { throw .empty }
        var components: [Component] = []
        var length = 0
        var i = parts.startIndex
        while i < parts.endIndex {
            guard components.count < Self.maxComponents else { throw .tooManyComponents(limit: Self.maxComponents) }
            let name = parts[i]
            guard let proto = MultiaddrProtocol(name: name) else {
                throw .unknownProtocolName(MultiaddrError.quoted(name))
            }
            i += 1
            let value: [UInt8]
            switch proto.size {
            case .none:
                value = []
            default:
                if proto.kind == .path {
                    // The rest of the address is the path.
                    guard i < parts.endIndex else { throw .missingValue(protocol: proto.name) }
                    let rest = parts[i...].joined(separator: "/")
                    guard !rest.isEmpty else { throw .missingValue(protocol: proto.name) }
                    value = Array(("/" + rest).utf8)
                    i = parts.endIndex
                } else {
                    guard i < parts.endIndex else { throw .missingValue(protocol: proto.name) }
                    value = try MultiaddrValue.parse(parts[i], for: proto)
                    i += 1
                }
            }
            let component = Component(protocol: proto, value: value)
            length += component.bytes.count
            guard length <= Self.maxLength else { throw .tooLong(limit: Self.maxLength) }
            components.append(component)
        }
        self.components = components
        self.bytes = components.flatMap(\.bytes)
    }

    /// Builds a multiaddr from components (checked against the limits).
    public init(components: [Component]) throws(MultiaddrError) {
        guard !components.isEmpty else { throw .empty }
        guard components.count <= Self.maxComponents else { throw .tooManyComponents(limit: Self.maxComponents) }
        let bytes = components.flatMap(\.bytes)
        guard bytes.count <= Self.maxLength else { throw .tooLong(limit: Self.maxLength) }
        self.bytes = bytes
        self.components = components
    }

    /// The canonical text form.
    public var description: String {
        components.map(\.description).joined()
    }

    public static func == (lhs: Multiaddr, rhs: Multiaddr) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    // MARK: - Helpers

    /// The address of the first component when it is `ip4` (4 bytes) or `ip6` (16 bytes).
    public var ipAddress: [UInt8]? {
        guard let first = components.first, first.protocol == .ip4 || first.protocol == .ip6 else { return nil }
        return first.value
    }

    /// The port of a `tcp` component directly after a leading `ip4`/`ip6`/`dns*` component.
    public var tcpPort: UInt16? { port(.tcp) }

    /// The port of a `udp` component directly after a leading `ip4`/`ip6`/`dns*` component.
    public var udpPort: UInt16? { port(.udp) }

    private func port(_ proto: MultiaddrProtocol) -> UInt16? {
        guard components.count >= 2, components[1].protocol == proto, components[1].value.count == 2 else {
            return nil
        }
        return UInt16(components[1].value[0]) << 8 | UInt16(components[1].value[1])
    }

    /// The peer ID of the last component when it is `/p2p/<id>` (for a relay address
    /// `…/p2p/<relay>/p2p-circuit/p2p/<target>` that is the target).
    public var peerID: PeerID? {
        guard let last = components.last, last.protocol == .p2p else { return nil }
        return try? PeerID(multihashBytes: last.value)
    }

    /// `self` followed by `other`.
    public func encapsulate(_ other: Multiaddr) throws(MultiaddrError) -> Multiaddr {
        try Multiaddr(components: components + other.components)
    }

    /// `self` followed by `/p2p/<peerID>`.
    public func appending(peerID: PeerID) throws(MultiaddrError) -> Multiaddr {
        try Multiaddr(components: components + [Component(protocol: .p2p, value: peerID.bytes)])
    }

    /// `self` cut before the last occurrence of `other`'s components (go-multiaddr `Decapsulate`).
    /// Returns `self` when `other` does not occur, `nil` when nothing would remain.
    public func decapsulate(_ other: Multiaddr) -> Multiaddr? {
        let n = other.components.count
        guard n <= components.count else { return self }
        for start in stride(from: components.count - n, through: 0, by: -1)
        where Array(components[start..<(start + n)]) == other.components {
            return start == 0 ? nil : try? Multiaddr(components: Array(components[..<start]))
        }
        return self
    }

    /// Splits a trailing `/p2p/<id>` off: the transport part (nil if the address was only
    /// `/p2p/<id>`) and the peer ID (nil, with `self` unchanged, if there is no trailing `/p2p/`).
    public func decapsulateP2P() -> (transport: Multiaddr?, peerID: PeerID?) {
        guard let id = peerID else { return (self, nil) }
        guard components.count > 1 else { return (nil, id) }
        return (try? Multiaddr(components: Array(components.dropLast())), id)
    }
}

extension Multiaddr.Component {
    /// A component with a binary value, validated as the binary decoder would.
    public init(_ proto: MultiaddrProtocol, value: [UInt8]) throws(MultiaddrError) {
        switch proto.size {
        case .none: guard value.isEmpty else { throw .invalidValue(protocol: proto.name) }
        case .fixed(let n): guard value.count == n else { throw .invalidValue(protocol: proto.name) }
        case .variable: guard value.count <= Multiaddr.maxLength else { throw .tooLong(limit: Multiaddr.maxLength) }
        }
        try MultiaddrValue.validate(value, for: proto)
        self.init(protocol: proto, value: value)
    }
}
