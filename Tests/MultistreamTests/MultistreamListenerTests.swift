import Multistream
import Testing
import Wire

/// Frames each token as one multistream message.
func messages(_ tokens: String...) -> [UInt8] {
    var out: [UInt8] = []
    for token in tokens { MultistreamCodec.append(token, to: &out) }
    return out
}

let header = MultistreamCodec.header

@Suite struct MultistreamListenerTests {
    @Test func answersNaThenEchoesTheSupportedProposal() {
        var listener = MultistreamListener(supported: serverProtocols)
        let output = listener.receive(messages(header, "/tls/1.0.0", "/noise") + [0x00, 0x20, 0xAB])
        #expect(output.toSend == messages(header, "na", "/noise"))
        #expect(output.result == .negotiated(protocol: "/noise", remaining: [0x00, 0x20, 0xAB]))
        // Later bytes belong to the negotiated protocol and pass through untouched.
        #expect(
            listener.receive([1, 2]) == MultistreamOutput(result: .negotiated(protocol: "/noise", remaining: [1, 2])))
    }

    @Test func waitsForCompleteMessages() {
        var listener = MultistreamListener(supported: ["/noise"])
        let bytes = messages(header, "/noise")
        #expect(listener.receive(bytes.prefix(5)) == MultistreamOutput())
        #expect(listener.receive(bytes[5..<20]) == MultistreamOutput(toSend: messages(header)))
        #expect(listener.receive(bytes[20...]).result == .negotiated(protocol: "/noise", remaining: []))
    }

    @Test func answersLsWithTheList() throws {
        var listener = MultistreamListener(supported: ["/noise", "/yamux/1.0.0"])
        let output = listener.receive(messages(header, "ls"))
        #expect(output.result == nil)
        let list = Array(output.toSend.dropFirst(messages(header).count))
        // One message whose payload is the framed protocols and a newline (go-multistream, rust-libp2p).
        #expect(list == [0x17] + messages("/noise", "/yamux/1.0.0") + [0x0A])
        var framer = LengthPrefixedFramer(maxFrameSize: 1024)
        framer.append(list)
        let payload = try #require(try framer.nextFrame())
        #expect(try MultistreamCodec.decodeList(payload: payload) == ["/noise", "/yamux/1.0.0"])
        #expect(
            listener.receive(messages("/yamux/1.0.0")).result == .negotiated(protocol: "/yamux/1.0.0", remaining: []))
    }

    @Test func lsListStaysWithinTheMessageLimit() throws {
        let many = (0..<200).map { "/app/protocol/\($0)" }
        let encoded = MultistreamCodec.encodeList(many)
        var framer = LengthPrefixedFramer(maxFrameSize: 1024)
        framer.append(encoded)
        let payload = try #require(try framer.nextFrame())
        let listed = try MultistreamCodec.decodeList(payload: payload)
        #expect(!listed.isEmpty && listed.count < many.count)
        #expect(listed == Array(many.prefix(listed.count)))
    }

    @Test func predicateListener() {
        var listener = MultistreamListener(advertised: ["/kad"]) { $0.hasPrefix("/ipfs/") }
        let output = listener.receive(messages(header, "/kad", "/ipfs/ping/1.0.0"))
        #expect(output.toSend == messages(header, "na", "/ipfs/ping/1.0.0"))
        #expect(output.result == .negotiated(protocol: "/ipfs/ping/1.0.0", remaining: []))
    }

    @Test func neverAcceptsControlTokens() {
        var listener = MultistreamListener { _ in true }
        let output = listener.receive(messages(header, "na", "ls", "/x"))
        #expect(output.toSend == messages(header, "na") + [0x01, 0x0A] + messages("/x"))
        #expect(output.result == .negotiated(protocol: "/x", remaining: []))
    }

    @Test func refusesAWrongHeader() {
        var listener = MultistreamListener(supported: ["/noise"])
        let output = listener.receive(messages("/multistream/2.0.0", "/noise"))
        #expect(output == MultistreamOutput(result: .failed(.unexpectedHeader)))
        #expect(listener.receive(messages("/noise")).result == .failed(.unexpectedHeader))
    }

    @Test func tokenLimitIs1024BytesIncludingTheNewline() {
        let longest = String(repeating: "a", count: 1023)
        var listener = MultistreamListener(supported: [])
        #expect(listener.receive(messages(header, longest)).toSend == messages(header, "na"))
        var tooLong = MultistreamListener(supported: [])
        let output = tooLong.receive(messages(header) + UVarint.encode(1025))
        #expect(output == MultistreamOutput(toSend: messages(header), result: .failed(.messageTooLong(limit: 1024))))
    }

    @Test(arguments: [
        ([0x03] + Array("abc".utf8), MultistreamError.missingNewline),
        ([0x00], .missingNewline),
        ([0x81, 0x00], .invalidLengthPrefix),
        ([UInt8](repeating: 0x80, count: 9), .invalidLengthPrefix),
    ])
    func malformedMessagesFail(bytes: [UInt8], error: MultistreamError) {
        var listener = MultistreamListener(supported: ["/noise"])
        #expect(listener.receive(messages(header) + bytes).result == .failed(error))
        var asHeader = MultistreamListener(supported: ["/noise"])
        #expect(asHeader.receive(bytes) == MultistreamOutput(result: .failed(error)))
    }

    @Test func pipelinedBytesBehindARefusedProposalFailTheNegotiation() {
        // go-multistream issue #20: a lazy dialer's data read as tokens after `na`.
        var listener = MultistreamListener(supported: ["/yamux/1.0.0"])
        // Noise message 1 (2-byte length 0x0020, then 32 bytes) behind a refused `/noise` proposal.
        let noiseMessage1: [UInt8] = [0x00, 0x20] + [UInt8](repeating: 0x42, count: 32)
        let output = listener.receive(messages(header, "/noise") + noiseMessage1)
        #expect(output == MultistreamOutput(toSend: messages(header, "na"), result: .failed(.missingNewline)))
    }

    @Test func refusesAfterTooManyAttempts() {
        var listener = MultistreamListener(supported: ["/noise"], config: MultistreamConfig(maxAttempts: 16))
        var bytes = messages(header)
        for index in 0..<17 { bytes += messages(index == 5 ? "ls" : "/unknown/\(index)") }
        let output = listener.receive(bytes + messages("/noise"))
        #expect(output.result == .failed(.tooManyAttempts(limit: 16)))
        // 16 answers (5 `na`, the list, 10 `na`), then the 17th attempt fails.
        let na: [UInt8] = messages("na")
        var expected: [UInt8] = messages(header)
        for _ in 0..<5 { expected += na }
        expected += MultistreamCodec.encodeList(["/noise"])
        for _ in 0..<10 { expected += na }
        #expect(output.toSend == expected)
        var within = MultistreamListener(supported: ["/noise"], config: MultistreamConfig(maxAttempts: 16))
        var ok = messages(header)
        for index in 0..<16 { ok += messages("/unknown/\(index)") }
        #expect(within.receive(ok + messages("/noise")).result == .negotiated(protocol: "/noise", remaining: []))
    }
}
