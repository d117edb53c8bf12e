import Multistream
import TestSupport
import Testing
import Wire

@Suite struct MultistreamDialerTests {
    @Test func sendsHeaderAndFirstProposalWithoutWaiting() {
        var dialer = MultistreamDialer(proposals: ["/tls/1.0.0", "/noise"])
        #expect(dialer.start() == MultistreamOutput(toSend: messages(header, "/tls/1.0.0")))
        #expect(dialer.start() == MultistreamOutput())
        #expect(dialer.receive(messages(header)) == MultistreamOutput())
        #expect(dialer.receive(messages("na")) == MultistreamOutput(toSend: messages("/noise")))
        let output = dialer.receive(messages("/noise") + [0x00, 0x20])
        #expect(output == MultistreamOutput(result: .negotiated(protocol: "/noise", remaining: [0x00, 0x20])))
        #expect(dialer.receive([7]).result == .negotiated(protocol: "/noise", remaining: [7]))
    }

    @Test func failsWhenEveryProposalIsRefused() {
        var dialer = MultistreamDialer(proposals: ["/a", "/b"])
        _ = dialer.start()
        let output = dialer.receive(messages(header, "na", "na"))
        #expect(output == MultistreamOutput(toSend: messages("/b"), result: .failed(.noProtocolInCommon)))
    }

    @Test func failsOnAnUnexpectedAnswer() {
        var dialer = MultistreamDialer(proposals: ["/a"])
        _ = dialer.start()
        #expect(dialer.receive(messages(header, "/b")).result == .failed(.unexpectedResponse))
    }

    @Test func requiresTheListenersHeaderFirst() {
        var dialer = MultistreamDialer(proposals: ["/a"])
        _ = dialer.start()
        #expect(dialer.receive(messages("/a", header)).result == .failed(.unexpectedHeader))
    }

    @Test(arguments: [[String](), [""], ["/a\nb"], [String(repeating: "x", count: 1024)], ["/ok", ""]])
    func refusesUnsendableProposals(proposals: [String]) {
        var dialer = MultistreamDialer(proposals: proposals)
        #expect(dialer.start() == MultistreamOutput(result: .failed(.invalidProposal)))
    }

    @Test func receiveBeforeStartFails() {
        var dialer = MultistreamDialer(proposals: ["/a"])
        #expect(dialer.receive(messages(header)).result == .failed(.notStarted))
    }

    @Test func malformedAnswersFail() {
        var dialer = MultistreamDialer(proposals: ["/a"])
        _ = dialer.start()
        #expect(dialer.receive(messages(header) + UVarint.encode(5000)).result == .failed(.messageTooLong(limit: 1024)))
        var noNewline = MultistreamDialer(proposals: ["/a"])
        _ = noNewline.start()
        #expect(noNewline.receive(messages(header) + [0x02, 0x2F, 0x61]).result == .failed(.missingNewline))
        var badVarint = MultistreamDialer(proposals: ["/a"])
        _ = badVarint.start()
        #expect(badVarint.receive([0x80, 0x00]).result == .failed(.invalidLengthPrefix))
    }
}

@Suite struct MultistreamPairTests {
    /// Our dialer against our listener in memory, random proposals, supported sets and chunk sizes, with lazy data
    /// behind a single proposal: both agree on the first supported proposal and no byte is lost.
    @Test func dialerAndListenerAgree() {
        var rng = SeededGenerator.fromEnvironment("MultistreamPair.agree")
        let universe = (0..<12).map { "/proto/\($0)" }
        for _ in 0..<300 {
            let proposals = Array(universe.shuffled(using: &rng).prefix(Int.random(in: 1...5, using: &rng)))
            let supported = Set(universe.filter { _ in Bool.random(using: &rng) })
            let expected = proposals.first { supported.contains($0) }
            let lazy: [UInt8] = proposals.count == 1 ? rng.bytes(maxCount: 40) : []
            let reply = rng.bytes(maxCount: 40)
            var dialer = MultistreamDialer(proposals: proposals)
            var listener = MultistreamListener(supported: supported)
            var toListener = dialer.start().toSend + lazy
            var toDialer: [UInt8] = []
            var dialerResult: MultistreamResult?
            var listenerResult: MultistreamResult?
            var dialerRemaining: [UInt8] = []
            var listenerRemaining: [UInt8] = []
            var rounds = 0
            while (!toListener.isEmpty || !toDialer.isEmpty) && rounds < 10_000 {
                rounds += 1
                if !toListener.isEmpty {
                    let n = Int.random(in: 1...toListener.count, using: &rng)
                    let output = listener.receive(toListener.prefix(n))
                    toListener.removeFirst(n)
                    toDialer += output.toSend
                    if case .negotiated(_, let rest) = output.result {
                        if listenerResult == nil { toDialer += reply }
                        listenerRemaining += rest
                    }
                    if let result = output.result, listenerResult == nil { listenerResult = result }
                }
                if !toDialer.isEmpty {
                    let n = Int.random(in: 1...toDialer.count, using: &rng)
                    let output = dialer.receive(toDialer.prefix(n))
                    toDialer.removeFirst(n)
                    toListener += output.toSend
                    if case .negotiated(_, let rest) = output.result { dialerRemaining += rest }
                    if let result = output.result, dialerResult == nil { dialerResult = result }
                }
            }
            if let expected {
                #expect(listenerResult.map(name) == expected, "seed \(rng.seed)")
                #expect(dialerResult.map(name) == expected, "seed \(rng.seed)")
                #expect(listenerRemaining == lazy, "seed \(rng.seed)")
                #expect(dialerRemaining == reply, "seed \(rng.seed)")
            } else {
                #expect(dialerResult == .failed(.noProtocolInCommon), "seed \(rng.seed)")
            }
        }
    }

    private func name(_ result: MultistreamResult) -> String? {
        if case .negotiated(let name, _) = result { return name }
        return nil
    }
}

@Suite struct MultistreamRandomInputTests {
    @Test func randomBytesNeverTrapAndStayBounded() {
        var rng = SeededGenerator.fromEnvironment("Multistream.randomBytes")
        let config = MultistreamConfig(maxAttempts: 8)
        for _ in 0..<3000 {
            var input = rng.bytes(maxCount: 300)
            if Bool.random(using: &rng) { input = messages(header) + input }
            var listener = MultistreamListener(supported: ["/noise", "/a"], config: config)
            var dialer = MultistreamDialer(proposals: ["/a", "/noise"], config: config)
            _ = dialer.start()
            var sentByListener = 0
            var sentByDialer = 0
            var remaining = 0
            var index = 0
            while index < input.count {
                let end = min(input.count, index + Int.random(in: 1...50, using: &rng))
                let fromListener = listener.receive(input[index..<end])
                let fromDialer = dialer.receive(input[index..<end])
                sentByListener += fromListener.toSend.count
                sentByDialer += fromDialer.toSend.count
                if case .negotiated(_, let rest) = fromListener.result { remaining += rest.count }
                index = end
            }
            // At most the header, 8 answers (na or a short list) and one echo.
            #expect(sentByListener <= 20 + 9 * 40, "seed \(rng.seed)")
            #expect(sentByDialer <= 8, "seed \(rng.seed)")
            #expect(remaining <= input.count, "seed \(rng.seed)")
        }
    }
}
