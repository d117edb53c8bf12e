import Foundation
import Libp2pCore
import Testing
import Wire

// Replays the libFuzzer seed corpus and every recorded crash of the Fuzz/ package's targets through the same decoder
// calls and invariants, without sanitizers: calling the decoder must not trap and the invariants must hold. The
// corpus is read from the repository (located via #filePath), so no test resources are needed. The harness below is
// a copy of Fuzz/Sources/FuzzHarness/Libp2pHarness.swift (there `check` traps; here it records an issue); keep them in step.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["peer-id", "public-key", "private-key"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.inputs(target).contains { $0.hasPrefix("Corpus/") }, "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: peer-id", arguments: FuzzCorpus.inputs("peer-id"))
    func peerIDReplay(_ input: String) throws {
        Libp2pHarness.peerID(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: public-key", arguments: FuzzCorpus.inputs("public-key"))
    func publicKeyReplay(_ input: String) throws {
        Libp2pHarness.publicKey(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: private-key", arguments: FuzzCorpus.inputs("private-key"))
    func privateKeyReplay(_ input: String) throws {
        Libp2pHarness.privateKey(try FuzzCorpus.bytes(input))
    }
}

/// The files of Fuzz/Corpus/<target>/ and Fuzz/Crashes/<target>/ (paths relative to Fuzz/), README.md and dotfiles
/// excepted.
enum FuzzCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [String] {
        ["Corpus", "Crashes"].flatMap { kind in
            let names =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: root.appendingPathComponent(kind).appendingPathComponent(target).path)) ?? []
            return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(kind)/\(target)/\($0)" }
        }
    }

    static func bytes(_ input: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(input)))
    }
}

/// A harness invariant; records an issue (the fuzz build traps instead).
func check(
    _ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    if !condition { Issue.record(Comment(rawValue: message()), sourceLocation: sourceLocation) }
}

/// Libp2pCore: peer IDs and key protobufs.
enum Libp2pHarness {
    /// `PeerID(multihashBytes:)`: an accepted peer ID keeps the input, round-trips through base58, and (inline
    /// keys) yields a key it matches. The input as text goes through `PeerID(string:)`.
    static func peerID(_ bytes: [UInt8]) {
        _ = try? PeerID(string: String(decoding: bytes, as: UTF8.self))
        guard let id = try? PeerID(multihashBytes: bytes) else { return }
        check(id.bytes == bytes, "peer ID bytes differ from the input")
        check(id.multihash.bytes == bytes, "peer ID multihash re-encodes differently")
        check((try? PeerID(base58: id.base58)) == id, "base58 round trip differs")
        if id.multihash.code == Multihash.identityCode {
            guard let key = id.publicKey else {
                check(false, "inline peer ID without a key")
                return
            }
            check(id.matches(key), "inline key does not match its peer ID")
        }
    }

    /// `PublicKeyProtobuf(bytes:)` and `Libp2pPublicKey(protobufBytes:)`: decoding is idempotent over the canonical
    /// re-encoding, and a decoded key's peer ID is itself accepted.
    static func publicKey(_ bytes: [UInt8]) {
        if let message = try? PublicKeyProtobuf(bytes: bytes) {
            check(
                (try? PublicKeyProtobuf(bytes: message.bytes)) == message, "PublicKey protobuf re-decodes differently")
        }
        guard let key = try? Libp2pPublicKey(protobufBytes: bytes) else { return }
        check((try? Libp2pPublicKey(protobufBytes: key.protobufBytes)) == key, "key re-decodes differently")
        let id = key.peerID
        check((try? PeerID(multihashBytes: id.bytes)) == id, "a decoded key's peer ID is rejected")
        _ = try? key.isValidSignature([UInt8](repeating: 0, count: 64), for: bytes)
    }

    /// `Libp2pPrivateKey(protobufBytes:)` (and `PrivateKeyProtobuf(bytes:)`): an accepted key re-encodes to a
    /// protobuf that decodes to the same peer ID, and its signatures verify.
    static func privateKey(_ bytes: [UInt8]) {
        _ = try? PrivateKeyProtobuf(bytes: bytes)
        guard let key = try? Libp2pPrivateKey(protobufBytes: bytes) else { return }
        check((try? Libp2pPrivateKey(protobufBytes: key.protobufBytes))?.peerID == key.peerID, "re-decode differs")
        let message = Array(bytes.prefix(32))
        check((try? key.publicKey.isValidSignature(key.sign(message), for: message)) == true, "signature fails")
    }
}
