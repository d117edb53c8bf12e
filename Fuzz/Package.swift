// swift-tools-version:6.0
// libFuzzer targets for Waystone's decoders: one executable per target, sharing the invariants in the main package's
// FuzzHarness module (Tests/FuzzHarness, also replayed by `swift test`) and the libFuzzer glue in FuzzDriver.
// Separate from the main package so `swift build`/`swift test` there never need the fuzzer runtime.
// Build and run: `make fuzz` in the repository root (see README "Fuzzing"); by hand:
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   Fuzz/.build/release/stun-decode Fuzz/Corpus/stun-decode -max_total_time=60
import PackageDescription

let fuzzTargets = [
    "stun-decode",
    "stun-server",
    "stun-tcp-framer",
    "http-parser",
    "http-connection",
    "wire-protobuf",
    "wire-uvarint",
    "wire-base58",
    "wire-multihash",
    "peer-id",
    "public-key",
    "private-key",
    "config-json",
    "multiaddr",
    "multistream",
    "noise-payload",
    "noise-responder",
    "yamux",
    "identify",
    "kad-message",
    "kad-snapshot",
    "relay-message",
    "envelope",
    "inbound-connection",
]

let package = Package(
    name: "waystone-fuzz",
    dependencies: [.package(name: "waystone", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CLibFuzzer"]),
    ]
        + fuzzTargets.map {
            .executableTarget(
                name: $0, dependencies: ["FuzzDriver", .product(name: "WaystoneFuzzable", package: "waystone")])
        }
)
