// swift-tools-version:6.0
// Waystone: one server binary for a public Linux VPS (Kademlia bootstrap, circuit relay, STUN, rendezvous, metrics).
// No package dependencies: the toolchain plus libsodium and OpenSSL through system-library module maps.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "waystone",
    products: [
        .executable(name: "waystone", targets: ["waystone"]),
        // Only for the separate Fuzz/ package (libFuzzer targets), which can depend on another package's modules only
        // through a library product. Not used by the daemon build.
        .library(
            name: "WaystoneFuzzable",
            targets: [
                "Wire", "Libp2pCore", "HTTP1", "STUN", "Multistream", "Noise", "Yamux", "Identify", "Kademlia", "Relay",
                "Node", "Daemon", "FuzzHarness",
            ]),
    ],
    targets: [
        // C shims and system libraries
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CLinux"),

        // Wire: bytes, varints, protobuf, base58, hex
        .target(name: "Wire", swiftSettings: swiftSettings),
        // Crypto: Ed25519, X25519, SHA-256, HMAC/HKDF, secure random (libsodium); ChaCha20-Poly1305 (OpenSSL)
        .target(name: "Crypto", dependencies: ["CSodium", "COpenSSL", "Wire"], swiftSettings: swiftSettings),
        // Libp2pCore: keys, peer IDs
        .target(name: "Libp2pCore", dependencies: ["Wire", "Crypto"], swiftSettings: swiftSettings),
        // Pure codecs: HTTP/1.1 request parsing and response rendering; metrics registry and Prometheus text
        .target(name: "HTTP1", swiftSettings: swiftSettings),
        .target(name: "Metrics", swiftSettings: swiftSettings),
        // Limits: pure per-IP token buckets shared by the roles
        .target(name: "Limits", swiftSettings: swiftSettings),
        .target(name: "STUN", dependencies: ["Wire", "Crypto"], swiftSettings: swiftSettings),
        // Protocols: pure state machines
        .target(name: "Multistream", dependencies: ["Wire"], swiftSettings: swiftSettings),
        // Identify (+ ping): the identify message codec and the ping responder
        .target(name: "Identify", dependencies: ["Wire"], swiftSettings: swiftSettings),
        // Noise: libp2p `/noise` (Noise_XX_25519_ChaChaPoly_SHA256 handshake and transport), sans-IO
        .target(name: "Noise", dependencies: ["Wire", "Crypto", "Libp2pCore"], swiftSettings: swiftSettings),
        // Yamux: `/yamux/1.0.0` stream multiplexer, sans-IO
        .target(name: "Yamux", dependencies: ["Wire"], swiftSettings: swiftSettings),
        // Kademlia: `/ipfs/kad/1.0.0` message codec, XOR keyspace, routing table, iterative lookup, table snapshots
        .target(name: "Kademlia", dependencies: ["Wire", "Crypto", "Libp2pCore"], swiftSettings: swiftSettings),
        // Relay: circuit relay v2 (`/libp2p/circuit/relay/0.2.0/{hop,stop}`) message codec and reservation voucher
        .target(name: "Relay", dependencies: ["Wire", "Libp2pCore"], swiftSettings: swiftSettings),
        // Node: pure composition of the libp2p connection upgrade and the per-stream protocols
        .target(
            name: "Node", dependencies: ["Wire", "Libp2pCore", "Multistream", "Noise", "Yamux", "Identify"],
            swiftSettings: swiftSettings),
        // Runtime: the only module with file descriptors, clocks and signals
        .target(name: "WaystoneRuntime", dependencies: ["CLinux"], swiftSettings: swiftSettings),
        // Daemon: config, identity, logging, metrics endpoint, wiring everything to the runtime
        .target(
            name: "Daemon",
            dependencies: [
                "Wire", "Crypto", "Libp2pCore", "HTTP1", "Metrics", "Limits", "STUN", "Identify", "Node", "Noise",
                "Yamux", "Kademlia", "WaystoneRuntime",
                "CLinux",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "waystone", dependencies: ["Daemon"], swiftSettings: swiftSettings),
        // STUN load generator for `make bench-stun` (Tests/Benchmarks/stun.sh); Glibc sockets only.
        .executableTarget(name: "stunload", path: "Tests/Benchmarks/stunload", swiftSettings: swiftSettings),
        // What the benchmark load clients share (process CPU and memory from /proc).
        .target(name: "BenchSupport", path: "Tests/Benchmarks/BenchSupport", swiftSettings: swiftSettings),
        // libp2p connection load client for `make bench-libp2p` (Tests/Benchmarks/libp2p.sh): Node's connection
        // machine on the runtime's event loop.
        .executableTarget(
            name: "libp2pload",
            dependencies: ["BenchSupport", "Crypto", "Identify", "Libp2pCore", "Node", "WaystoneRuntime"],
            path: "Tests/Benchmarks/libp2pload", swiftSettings: swiftSettings),
        // Kademlia load client for `make bench-kad` (Tests/Benchmarks/kad.sh): DHT-server peers and FIND_NODE load
        // on Node's connection machine and the runtime's event loop.
        .executableTarget(
            name: "kadload",
            dependencies: [
                "BenchSupport", "Crypto", "Identify", "Kademlia", "Libp2pCore", "Node", "WaystoneRuntime", "Wire",
            ],
            path: "Tests/Benchmarks/kadload", swiftSettings: swiftSettings),
        // `make bench-streams` (Tests/Benchmarks/streams.sh): a counter of the process's malloc/calloc/realloc/
        // posix_memalign calls (wrappers that interpose glibc's in the executable linking it) and the in-process
        // benchmark of the stream plumbing (two connection machines back to back, no sockets). The script appends the
        // lines between the markers to a base revision's manifest to build the same benchmark there.
        // bench-streams targets: begin
        .target(name: "MallocCounter", path: "Tests/Benchmarks/MallocCounter"),
        .executableTarget(
            name: "streamsbench", dependencies: ["Crypto", "Identify", "Libp2pCore", "MallocCounter", "Node", "Yamux"],
            path: "Tests/Benchmarks/streams", swiftSettings: swiftSettings),
        // bench-streams targets: end

        // The fuzz targets' invariants, one copy shared by Fuzz/ (libFuzzer, traps) and the corpus replay tests.
        .target(
            name: "FuzzHarness",
            dependencies: [
                "Wire", "Crypto", "Libp2pCore", "HTTP1", "STUN", "Multistream", "Noise", "Yamux", "Identify",
                "Kademlia", "Relay",
                "Node", "Daemon",
            ],
            path: "Tests/FuzzHarness", swiftSettings: swiftSettings),
        // Helpers shared by the test targets (seeded generator for property tests, fuzz corpus replay, an in-memory
        // pair of connection machines).
        .target(
            name: "TestSupport", dependencies: ["FuzzHarness", "Node", "Identify", "Libp2pCore", "Crypto", "Yamux"],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "WireTests", dependencies: ["Wire", "TestSupport", "FuzzHarness"], swiftSettings: swiftSettings),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto", "Wire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "Libp2pCoreTests", dependencies: ["Libp2pCore", "Crypto", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport", "FuzzHarness"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IdentifyTests", dependencies: ["Identify", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MultistreamTests", dependencies: ["Multistream", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "Node", "Noise", "Multistream", "Yamux", "Identify", "Libp2pCore", "Crypto", "Wire", "TestSupport",
                "FuzzHarness",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "KademliaTests", dependencies: ["Kademlia", "Libp2pCore", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "RelayTests", dependencies: ["Relay", "Libp2pCore", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(name: "LimitsTests", dependencies: ["Limits"], swiftSettings: swiftSettings),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"], swiftSettings: swiftSettings),
        .testTarget(
            name: "STUNTests", dependencies: ["STUN", "Wire", "Crypto", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "YamuxTests", dependencies: ["Yamux", "Wire", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NoiseTests", dependencies: ["Noise", "Crypto", "Wire", "Libp2pCore", "TestSupport", "FuzzHarness"],
            resources: [.copy("Vectors")], swiftSettings: swiftSettings),
        .testTarget(
            name: "WaystoneRuntimeTests", dependencies: ["WaystoneRuntime", "CLinux"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "WaystoneRuntime", "HTTP1", "Metrics", "Libp2pCore", "Node", "STUN", "TestSupport",
                "FuzzHarness",
            ],
            swiftSettings: swiftSettings),
    ]
)
