import Foundation
import Testing
import Wire

// Replays the libFuzzer seed corpus and every recorded crash of the Fuzz/ package's targets through the same decoder
// calls and invariants, without sanitizers: calling the decoder must not trap and the invariants must hold. The
// corpus is read from the repository (located via #filePath), so no test resources are needed. The harness below is
// a copy of Fuzz/Sources/FuzzHarness/WireHarness.swift (there `check` traps; here it records an issue); keep them in step.

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test("every target has seeds", arguments: ["wire-protobuf", "wire-uvarint", "wire-base58", "wire-multihash"])
    func seedsExist(_ target: String) {
        #expect(FuzzCorpus.inputs(target).contains { $0.hasPrefix("Corpus/") }, "no seeds in Fuzz/Corpus/\(target)")
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-protobuf", arguments: FuzzCorpus.inputs("wire-protobuf"))
    func protobufReplay(_ input: String) throws {
        WireHarness.protobuf(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-uvarint", arguments: FuzzCorpus.inputs("wire-uvarint"))
    func uvarintReplay(_ input: String) throws {
        WireHarness.uvarint(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-base58", arguments: FuzzCorpus.inputs("wire-base58"))
    func base58Replay(_ input: String) throws {
        WireHarness.base58(try FuzzCorpus.bytes(input))
    }

    @Test("Fuzz/Corpus and Fuzz/Crashes replay: wire-multihash", arguments: FuzzCorpus.inputs("wire-multihash"))
    func multihashReplay(_ input: String) throws {
        WireHarness.multihash(try FuzzCorpus.bytes(input))
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

/// Wire: protobuf reader, uvarint, base58, multihash.
enum WireHarness {
    /// `ProtobufReader`: fields read from the input re-encode (canonically, never longer than the input) to bytes
    /// that read back as the same fields; the typed accessors never trap.
    static func protobuf(_ bytes: [UInt8]) {
        guard var reader = try? ProtobufReader(bytes, maxMessageSize: 4096),
            let fields = try? reader.readAll()
        else { return }
        var writer = ProtobufWriter()
        for field in fields {
            _ = try? field.varint()
            _ = try? field.bool()
            _ = try? field.bytes()
            _ = try? field.string()
            _ = try? field.fixed32()
            _ = try? field.fixed64()
            switch field.value {
            case .varint(let v): writer.writeVarint(field: field.number, v)
            case .fixed64(let v): writer.writeFixed64(field: field.number, v)
            case .fixed32(let v): writer.writeFixed32(field: field.number, v)
            case .lengthDelimited(let v): writer.writeBytes(field: field.number, v)
            }
        }
        check(writer.bytes.count <= bytes.count, "canonical re-encoding is longer than the input")
        var again = try? ProtobufReader(writer.bytes, maxMessageSize: 4096)
        check((try? again?.readAll()) == fields, "re-encoded fields read back differently")
    }

    /// `UVarint.decode`: a decoded prefix is the minimal encoding of its value (so it re-encodes to the same bytes);
    /// `decode(exactly:)` agrees; `ByteReader`'s varint readers never trap.
    static func uvarint(_ bytes: [UInt8]) {
        if let (value, length) = try? UVarint.decode(prefixOf: bytes) {
            check(length >= 1 && length <= UVarint.maxLength && length <= bytes.count, "length \(length) out of range")
            check(value <= UVarint.maxValue, "value above maxValue")
            check(UVarint.encode(value) == Array(bytes[0..<length]), "decoded prefix is not the value's encoding")
            check(UVarint.encodedLength(value) == length, "encodedLength differs")
            let exact = try? UVarint.decode(exactly: bytes)
            check((exact != nil) == (length == bytes.count), "decode(exactly:) disagrees with decode(prefixOf:)")
        } else {
            check(
                (try? UVarint.decode(exactly: bytes)) == nil, "decode(exactly:) accepts what decode(prefixOf:) rejects")
        }
        var reader = ByteReader(bytes)
        _ = try? reader.readProtobufVarint()
        _ = try? reader.readUVarint()
        _ = try? reader.readLengthPrefixedBytes(maxLength: 64)
    }

    /// `Base58`: the input as text decodes only if it re-encodes to the same text; the input as bytes encodes to
    /// text that decodes back to the same bytes.
    static func base58(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let decoded = try? Base58.decode(text) {
            check(Base58.encode(decoded) == text, "decode then encode does not give the text back")
        }
        let encoded = Base58.encode(bytes)
        let limit = max(Base58.defaultMaxEncodedLength, encoded.utf8.count)
        check((try? Base58.decode(encoded, maxEncodedLength: limit)) == bytes, "encode then decode differs")
    }

    /// `Multihash(bytes:)`: an accepted multihash re-encodes to the input, digest within the limit.
    static func multihash(_ bytes: [UInt8]) {
        guard let multihash = try? Multihash(bytes: bytes) else { return }
        check(multihash.bytes == bytes, "multihash re-encodes differently")
        check(multihash.digest.count <= Multihash.defaultMaxDigestLength, "digest over the limit")
        var reader = ByteReader(bytes)
        check((try? Multihash(reading: &reader)) == multihash && reader.isAtEnd, "init(reading:) disagrees")
    }
}
