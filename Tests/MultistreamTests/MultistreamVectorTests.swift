import Foundation
import Multistream
import TestSupport
import Testing
import Wire

struct MultistreamVectors: Decodable {
    struct Message: Decodable { let text: String; let wire_hex: String }
    struct Transcript: Decodable, CustomTestStringConvertible {
        let name: String
        let dialer_to_listener_hex: [String]
        let listener_to_dialer_hex: [String]
        var testDescription: String { name }
    }
    let messages: [Message]
    let transcripts: [Transcript]

    static func load() throws -> MultistreamVectors {
        try VectorFile.decode(MultistreamVectors.self, named: "multistream", in: .module)
    }
}

/// The protocols a Waystone listener supports in these tests (no `/tls/1.0.0`, like the server).
let serverProtocols: Set<String> = ["/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"]

@Suite struct MultistreamVectorTests {
    @Test func messagesEncodeAndDecodeByteExact() throws {
        let vectors = try MultistreamVectors.load()
        #expect(vectors.messages.count >= 17)
        for message in vectors.messages {
            let wire = try Hex.decode(message.wire_hex)
            #expect(MultistreamCodec.encode(message.text) == wire, "\(message.text)")
            var framer = LengthPrefixedFramer(maxFrameSize: 1024)
            framer.append(wire)
            let payload = try #require(try framer.nextFrame())
            #expect(try MultistreamCodec.token(ofPayload: payload) == message.text)
            #expect(framer.bufferedByteCount == 0)
        }
    }

    /// A transcript split into what each side writes, plus what the test derives from it.
    struct Roles {
        let dialerWrites: [[UInt8]]
        let listenerWrites: [[UInt8]]
        init(_ transcript: MultistreamVectors.Transcript) throws {
            dialerWrites = try transcript.dialer_to_listener_hex.map { try Hex.decode($0) }
            listenerWrites = try transcript.listener_to_dialer_hex.map { try Hex.decode($0) }
        }

        /// The dialer's proposals: the tokens after its header up to the accepted one.
        func proposals(accepted: String) throws -> [String] {
            var framer = LengthPrefixedFramer(maxFrameSize: 1024)
            framer.append(dialerWrites.joined())
            _ = try framer.nextFrame()
            var tokens: [String] = []
            while let payload = try framer.nextFrame() {
                let token = try MultistreamCodec.token(ofPayload: payload)
                tokens.append(token)
                if token == accepted { break }
            }
            return tokens
        }
    }

    /// Runs our listener on the dialer's writes, chunk by chunk; after negotiation an echo handler (ping) writes back
    /// whatever follows. Returns what the listener side wrote per chunk, the protocol and the pipelined bytes.
    static func runListener(_ chunks: [[UInt8]]) -> (writes: [[UInt8]], accepted: String?, pipelined: [UInt8]) {
        var listener = MultistreamListener(supported: serverProtocols)
        var writes: [[UInt8]] = []
        var accepted: String?
        var pipelined: [UInt8] = []
        for chunk in chunks {
            let output = listener.receive(chunk)
            var written = output.toSend
            switch output.result {
            case .negotiated(let name, let remaining):
                accepted = name
                pipelined += remaining
                written += remaining
            case .failed(let error): Issue.record("listener failed: \(error)")
            case nil: break
            }
            writes.append(written)
        }
        return (writes, accepted, pipelined)
    }

    @Test(arguments: try MultistreamVectors.load().transcripts)
    func listenerRoleByteExact(transcript: MultistreamVectors.Transcript) throws {
        let roles = try Roles(transcript)
        let run = Self.runListener(roles.dialerWrites)
        #expect(run.writes == roles.listenerWrites)
        #expect(run.accepted != nil)
    }

    @Test(arguments: try MultistreamVectors.load().transcripts)
    func listenerRoleOneByteAtATime(transcript: MultistreamVectors.Transcript) throws {
        let roles = try Roles(transcript)
        let run = Self.runListener(roles.dialerWrites.joined().map { [$0] })
        #expect(Array(run.writes.joined()) == Array(roles.listenerWrites.joined()))
        #expect(run.pipelined == Self.runListener(roles.dialerWrites).pipelined)
    }

    @Test(arguments: try MultistreamVectors.load().transcripts)
    func dialerRoleByteExact(transcript: MultistreamVectors.Transcript) throws {
        let roles = try Roles(transcript)
        let reference = Self.runListener(roles.dialerWrites)
        let accepted = try #require(reference.accepted)
        let proposals = try roles.proposals(accepted: accepted)
        var dialer = MultistreamDialer(proposals: proposals)
        let first = dialer.start()
        #expect(first.result == nil)
        // A lazy dialer writes its first application bytes right behind the proposal.
        var writes = [first.toSend + reference.pipelined]
        var result: MultistreamResult?
        for chunk in roles.listenerWrites {
            let output = dialer.receive(chunk)
            if !output.toSend.isEmpty { writes.append(output.toSend) }
            if let outcome = output.result { result = outcome }
        }
        #expect(writes == roles.dialerWrites)
        #expect(result == .negotiated(protocol: accepted, remaining: reference.pipelined))
    }

    @Test(arguments: try MultistreamVectors.load().transcripts)
    func dialerRoleOneByteAtATime(transcript: MultistreamVectors.Transcript) throws {
        let roles = try Roles(transcript)
        let reference = Self.runListener(roles.dialerWrites)
        let accepted = try #require(reference.accepted)
        var dialer = MultistreamDialer(proposals: try roles.proposals(accepted: accepted))
        var written = dialer.start().toSend + reference.pipelined
        var negotiated: String?
        var remaining: [UInt8] = []
        for byte in roles.listenerWrites.joined() {
            let output = dialer.receive([byte])
            written += output.toSend
            switch output.result {
            case .negotiated(let name, let rest):
                negotiated = name
                remaining += rest
            case .failed(let error): Issue.record("dialer failed: \(error)")
            case nil: break
            }
        }
        #expect(written == Array(roles.dialerWrites.joined()))
        #expect(negotiated == accepted)
        #expect(remaining == reference.pipelined)
    }
}
