import Metrics
import STUN
import Testing
import WaystoneRuntime

@testable import Daemon

#if canImport(Glibc)
    import Glibc
#endif

/// The STUN role over real loopback sockets: a `StunRole` on a background event loop, plain Glibc clients.
@Suite(.serialized) struct StunRoleTests {
    // MARK: Binding over UDP and TCP

    @Test func udpAndTcpBindingsReflectTheClientAndAreCounted() throws {
        let h = try StunRoleHarness()
        defer { h.stop() }
        #expect(h.boundAddresses.count == 2)
        #expect(h.boundAddresses.first?.hasPrefix("udp/127.0.0.1:") == true)
        #expect(h.boundAddresses.last?.hasPrefix("tcp/127.0.0.1:") == true)
        #expect(h.udp.port != 0)
        #expect(h.tcp.port != 0)

        // UDP: XOR-MAPPED-ADDRESS is the client's own address, from the socket the request went to.
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        let id = randomTransactionID()
        let (reply, from) = try #require(client.exchange(stunRequest(transactionID: id), with: h.udp))
        #expect(from == h.udp)
        #expect(reply.messageClass == .successResponse)
        #expect(reply.method == STUN.bindingMethod)
        #expect(reply.transactionID == id)
        #expect(!reply.isRFC3489)
        #expect(reply.xorMappedAddress() == client.mapped)
        // No RFC 5780 alternate configured, no software: no RESPONSE-ORIGIN, OTHER-ADDRESS or SOFTWARE.
        #expect(reply.attribute(.responseOrigin) == nil)
        #expect(reply.attribute(.otherAddress) == nil)
        #expect(reply.attribute(.software) == nil)

        // TCP: one request.
        let stream = try #require(StunStreamClient(connectTo: h.tcp))
        let first = randomTransactionID()
        #expect(stream.send(stunRequest(transactionID: first)))
        let r1 = try #require(stream.readMessage())
        #expect(r1.messageClass == .successResponse)
        #expect(r1.transactionID == first)
        #expect(r1.xorMappedAddress() == stream.mapped)

        // Two requests in one send: two answers, in order; FINGERPRINT echoed when the request had one.
        let second = randomTransactionID()
        let third = randomTransactionID()
        #expect(stream.send(stunRequest(transactionID: second) + stunRequest(transactionID: third, fingerprint: true)))
        let r2 = try #require(stream.readMessage())
        let r3 = try #require(stream.readMessage())
        #expect(r2.transactionID == second)
        #expect(r2.attribute(.fingerprint) == nil)
        #expect(r3.transactionID == third)
        #expect(r3.fingerprintIsValid() == true)
        #expect(r3.xorMappedAddress() == stream.mapped)

        // One request across two sends: nothing until the rest arrives.
        let fourth = randomTransactionID()
        let split = stunRequest(transactionID: fourth)
        #expect(stream.send(Array(split[0..<7])))
        #expect(stream.readMessage(timeout: 0.15) == nil)
        #expect(stream.send(Array(split[7...])))
        let r4 = try #require(stream.readMessage())
        #expect(r4.transactionID == fourth)

        // Metrics: 1 UDP and 4 TCP requests, all answered with success.
        #expect(h.requests("udp") == 1)
        #expect(h.responses("udp") == 1)
        #expect(h.requests("tcp") == 4)
        #expect(h.responses("tcp") == 4)
        #expect(h.errors(400) == 0)
        #expect(h.errors(420) == 0)
        #expect(h.tcpConnections == 1)
        // Observed just after the answer is sent: wait for it.
        #expect(h.waitForMetric(5) { h.metric("waystone_stun_processing_seconds_count") })
        for reason in StunMetrics.dropReasons {
            #expect(h.dropped(reason) == 0, "dropped{\(reason)}")
        }
        #expect(h.stop())
    }

    @Test(.enabled(if: canBindIPv6Loopback(), "::1 cannot be bound on this host"))
    func bindingOverIPv6Loopback() throws {
        let h = try StunRoleHarness { $0.listen = [socketAddress("[::1]:0")] }
        defer { h.stop() }
        let udp = try #require(h.address("udp", ipv6: true), "\(h.boundAddresses)")
        let tcp = try #require(h.address("tcp", ipv6: true), "\(h.boundAddresses)")
        #expect(h.boundAddresses.first?.hasPrefix("udp/[::1]:") == true)

        let client = try #require(UDPClient(bindTo: socketAddress("[::1]:0")))
        let id = randomTransactionID()
        let (reply, from) = try #require(client.exchange(stunRequest(transactionID: id), with: udp))
        #expect(from == udp)
        #expect(reply.transactionID == id)
        let mapped = try #require(reply.xorMappedAddress())
        #expect(mapped.isIPv6)
        #expect(mapped == client.mapped)

        let stream = try #require(StunStreamClient(connectTo: tcp))
        #expect(stream.send(stunRequest()))
        let tcpReply = try #require(stream.readMessage())
        #expect(tcpReply.xorMappedAddress() == stream.mapped)
        #expect(h.requests("udp") == 1)
        #expect(h.requests("tcp") == 1)
    }

    // MARK: Drops and errors

    @Test func garbageIsDroppedAndNonBindingRequestsGet400() throws {
        let h = try StunRoleHarness { $0.limits.maxRequestBytes = 100 }
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))

        #expect(client.send(Array("hello, this is not STUN".utf8), to: h.udp))
        #expect(client.receive(timeout: 0.2)?.bytes == nil)
        #expect(h.waitForMetric(1) { h.dropped("malformed") })

        // A response is not a request: dropped without an answer.
        let response = STUNMessageEncoder(
            method: STUN.bindingMethod, messageClass: .successResponse, transactionID: randomTransactionID()
        ).finish()
        #expect(client.send(response, to: h.udp))
        #expect(client.receive(timeout: 0.2)?.bytes == nil)
        #expect(h.waitForMetric(1) { h.dropped("not_request") })

        // Over maxRequestBytes (a 104-byte Binding): dropped as too_large.
        var big = STUNMessageEncoder(
            method: STUN.bindingMethod, messageClass: .request, transactionID: randomTransactionID())
        big.append(.software, value: [UInt8](repeating: 0x61, count: 80))
        #expect(big.count == 104)
        #expect(client.send(big.finish(), to: h.udp))
        #expect(client.receive(timeout: 0.2)?.bytes == nil)
        #expect(h.waitForMetric(1) { h.dropped("too_large") })

        // A wrong FINGERPRINT: dropped as bad_fingerprint.
        var corrupt = stunRequest(fingerprint: true)
        corrupt[corrupt.count - 1] ^= 0xFF
        #expect(client.send(corrupt, to: h.udp))
        #expect(client.receive(timeout: 0.2)?.bytes == nil)
        #expect(h.waitForMetric(1) { h.dropped("bad_fingerprint") })

        // A request of another method: 400 with the same transaction ID and method.
        let id = randomTransactionID()
        let (reply, _) = try #require(client.exchange(stunRequest(transactionID: id, method: 0x003), with: h.udp))
        #expect(reply.messageClass == .errorResponse)
        #expect(reply.method == 0x003)
        #expect(reply.transactionID == id)
        #expect(reply.errorCode() == 400)
        #expect(h.errors(400) == 1)
        #expect(h.requests("udp") == 1, "error responses count as answered requests")
        #expect(h.responses("udp") == 0)

        // An unknown comprehension-required attribute: 420 listing it.
        var unknown = STUNMessageEncoder(
            method: STUN.bindingMethod, messageClass: .request, transactionID: randomTransactionID())
        unknown.append(STUNAttributeType(0x7F01), value: [1, 2, 3, 4])
        let (unknownReply, _) = try #require(client.exchange(unknown.finish(), with: h.udp))
        #expect(unknownReply.errorCode() == 420)
        #expect(unknownReply.unknownAttributes() == [0x7F01])
        #expect(h.errors(420) == 1)

        #expect(h.dropped("malformed") == 1)
        #expect(h.dropped("rate_limited") == 0)
    }

    // MARK: Rate limit

    @Test func perIPRateLimitDropsThenPenalizes() throws {
        let h = try StunRoleHarness {
            $0.limits.requestsPerSecondPerIP = 1
            $0.limits.burstPerIP = 3
            $0.limits.penaltySeconds = 60
        }
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        let ids = (0..<10).map { _ in randomTransactionID() }
        for id in ids { #expect(client.send(stunRequest(transactionID: id), to: h.udp)) }
        var answered: [[UInt8]] = []
        while let (bytes, _) = client.receive(timeout: 0.3) {
            if let message = try? STUNMessage.decode(bytes) { answered.append(message.transactionID) }
        }
        #expect(answered == Array(ids.prefix(3)))
        // 4th–6th: refused (burst = 3 refusals allowed); the 7th refusal is over the burst: penalized, and so is
        // everything after it.
        #expect(h.waitForMetric(4) { h.dropped("penalized") })
        #expect(h.dropped("rate_limited") == 3)
        #expect(h.requests("udp") == 3)

        // The limit is per source IP: 127.0.0.2 is still answered.
        let other = try #require(UDPClient(bindTo: socketAddress("127.0.0.2:0")))
        let otherReply = try #require(other.exchange(stunRequest(), with: h.udp))
        #expect(otherReply.message.xorMappedAddress() == other.mapped)

        // The penalty box covers TCP from the same IP: the connection stays open but gets no answer.
        let stream = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(stream.send(stunRequest()))
        #expect(stream.readMessage(timeout: 0.3) == nil)
        #expect(h.waitForMetric(5) { h.dropped("penalized") })
        #expect(h.requests("tcp") == 0)
    }

    @Test func rateLimitWithoutPenaltyOnlyRefuses() throws {
        let h = try StunRoleHarness {
            $0.limits.requestsPerSecondPerIP = 1
            $0.limits.burstPerIP = 3
            $0.limits.penaltySeconds = 0
        }
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        for _ in 0..<10 { #expect(client.send(stunRequest(), to: h.udp)) }
        var answered = 0
        while client.receive(timeout: 0.3) != nil { answered += 1 }
        #expect(answered == 3)
        #expect(h.waitForMetric(7) { h.dropped("rate_limited") })
        #expect(h.dropped("penalized") == 0)
    }

    @Test func zeroRequestsPerSecondIsUnlimited() throws {
        let h = try StunRoleHarness {
            $0.limits.requestsPerSecondPerIP = 0
            $0.limits.burstPerIP = 1
            $0.limits.penaltySeconds = 60
        }
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        var answered = 0
        for _ in 0..<200 {
            let id = randomTransactionID()
            if let reply = client.exchange(stunRequest(transactionID: id), with: h.udp, timeout: 1),
                reply.message.transactionID == id
            {
                answered += 1
            }
        }
        #expect(answered == 200)
        #expect(h.requests("udp") == 200)
        #expect(h.dropped("rate_limited") == 0)
        #expect(h.dropped("penalized") == 0)
    }

    // MARK: TCP limits

    @Test func tcpConnectionsPerIPAreCapped() throws {
        let h = try StunRoleHarness { $0.limits.maxTcpConnectionsPerIP = 2 }
        defer { h.stop() }
        var first = StunStreamClient(connectTo: h.tcp)
        #expect(first != nil)
        let second = try #require(StunStreamClient(connectTo: h.tcp))
        for client in [first, second].compactMap({ $0 }) {
            #expect(client.send(stunRequest()))
            #expect(client.readMessage() != nil)
        }
        #expect(h.tcpConnections == 2)

        let third = try #require(StunStreamClient(connectTo: h.tcp))
        let start = monotonicSeconds()
        #expect(third.waitForClose(timeout: 2))
        #expect(monotonicSeconds() - start < 1, "the refused connection must be closed at once")
        #expect(third.bufferedCount == 0)
        #expect(h.waitForMetric(1) { h.dropped("tcp_connection_limit_per_ip") })
        #expect(h.dropped("tcp_connection_limit") == 0)
        #expect(h.tcpConnections == 2)

        // Closing one frees its slot.
        first = nil
        #expect(h.waitForMetric(1) { h.tcpConnections })
        let fourth = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(fourth.send(stunRequest()))
        #expect(fourth.readMessage() != nil)
        #expect(second.send(stunRequest()))
        #expect(second.readMessage() != nil)
        #expect(h.dropped("tcp_connection_limit_per_ip") == 1)
        #expect(h.tcpConnections == 2)
    }

    @Test func tcpConnectionsAreCappedOverall() throws {
        let h = try StunRoleHarness { $0.limits.maxTcpConnections = 1 }
        defer { h.stop() }
        let first = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(first.send(stunRequest()))
        #expect(first.readMessage() != nil)
        let second = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(second.waitForClose(timeout: 2))
        #expect(h.waitForMetric(1) { h.dropped("tcp_connection_limit") })
        #expect(h.dropped("tcp_connection_limit_per_ip") == 0)
        #expect(first.send(stunRequest()))
        #expect(first.readMessage() != nil)
        #expect(h.tcpConnections == 1)
    }

    @Test func idleTcpConnectionIsClosed() throws {
        let h = try StunRoleHarness { $0.limits.tcpIdleSeconds = 1 }
        defer { h.stop() }
        let start = monotonicSeconds()
        let idle = try #require(StunStreamClient(connectTo: h.tcp))
        // Half a request does not count as activity.
        let partial = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(partial.send(Array(stunRequest()[0..<10])))
        #expect(h.waitForMetric(2) { h.tcpConnections })
        #expect(idle.waitForClose(timeout: 3))
        let elapsed = monotonicSeconds() - start
        #expect(elapsed >= 0.8, "closed before tcpIdleSeconds")
        #expect(elapsed < 3)
        #expect(partial.waitForClose(timeout: 3 - (monotonicSeconds() - start)))
        #expect(h.waitForMetric(0) { h.tcpConnections })
    }

    @Test func activityKeepsATcpConnectionOpen() throws {
        let h = try StunRoleHarness { $0.limits.tcpIdleSeconds = 1 }
        defer { h.stop() }
        let busy = try #require(StunStreamClient(connectTo: h.tcp))
        // A request every 0.4 s for 1.6 s: never idle for 1 s.
        for _ in 0..<4 {
            sleepSeconds(0.4)
            #expect(busy.send(stunRequest()))
            #expect(busy.readMessage() != nil)
        }
        #expect(h.tcpConnections == 1)
        #expect(busy.waitForClose(timeout: 3))
        #expect(h.waitForMetric(0) { h.tcpConnections })
    }

    @Test func malformedOrOversizedTcpFrameClosesOnlyThatConnection() throws {
        let h = try StunRoleHarness { $0.limits.maxRequestBytes = 100 }
        defer { h.stop() }
        let good = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(good.send(stunRequest()))
        #expect(good.readMessage() != nil)

        let http = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(http.send(Array("GET / HTTP/1.1\r\n\r\n".utf8)))
        #expect(http.waitForClose(timeout: 2))
        #expect(http.bufferedCount == 0)
        #expect(h.waitForMetric(1) { h.dropped("tcp_malformed") })
        #expect(good.send(stunRequest()))
        #expect(good.readMessage() != nil, "another connection must keep working")

        // A valid request followed by garbage in one segment: answered, then closed.
        let mixed = try #require(StunStreamClient(connectTo: h.tcp))
        let id = randomTransactionID()
        #expect(mixed.send(stunRequest(transactionID: id) + Array("GET /".utf8)))
        #expect(mixed.readMessage()?.transactionID == id)
        #expect(mixed.waitForClose(timeout: 2))
        #expect(h.waitForMetric(2) { h.dropped("tcp_malformed") })

        // Exactly maxRequestBytes is answered; a header announcing more closes the connection as too_large.
        var atLimit = STUNMessageEncoder(
            method: STUN.bindingMethod, messageClass: .request, transactionID: randomTransactionID())
        atLimit.append(.software, value: [UInt8](repeating: 0x61, count: 76))
        #expect(atLimit.count == 100)
        #expect(good.send(atLimit.finish()))
        #expect(good.readMessage() != nil)
        let oversized = try #require(StunStreamClient(connectTo: h.tcp))
        var header = stunRequest()
        header[2] = 0
        header[3] = 84  // 20 + 84 = 104 > 100
        #expect(oversized.send(header))
        #expect(oversized.waitForClose(timeout: 2))
        #expect(h.waitForMetric(1) { h.dropped("too_large") })

        #expect(good.send(stunRequest()))
        #expect(good.readMessage() != nil)
        #expect(h.waitForMetric(1) { h.tcpConnections })
        #expect(h.dropped("tcp_malformed") == 2)
        #expect(h.requests("tcp") == 5)
    }

    // MARK: Stopping

    @Test func stopAcceptingWorkClosesEverySocket() throws {
        let h = try StunRoleHarness()
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        #expect(client.exchange(stunRequest(), with: h.udp) != nil)
        let open = try #require(StunStreamClient(connectTo: h.tcp))
        #expect(open.send(stunRequest()))
        #expect(open.readMessage() != nil)
        #expect(h.tcpConnections == 1)

        #expect(h.onLoop { $0.stopAcceptingWork() })
        #expect(open.waitForClose(timeout: 2), "open TCP connections are closed")
        client.send(stunRequest(), to: h.udp)
        #expect(client.receive(timeout: 0.2)?.bytes == nil, "UDP sockets are closed")
        #expect(StunStreamClient(connectTo: h.tcp) == nil, "the TCP listener is closed")
        #expect(h.waitForMetric(0) { h.tcpConnections })
        // The ports are released.
        #expect(UDPClient(bindTo: h.udp) != nil)
        #expect(TCPHolder(listenOn: h.tcp) != nil)
        #expect(h.requests("udp") == 1)
        #expect(h.requests("tcp") == 1)
    }

    // MARK: Plan (pure)

    static func stunConfig(
        listen: [String], alternatePort: Int = 0, alternateAddresses: [String] = []
    ) -> WaystoneConfig.StunSection {
        var config = WaystoneConfig().stun
        config.listen = listen.map(socketAddress)
        config.alternatePort = alternatePort
        config.alternateAddresses = alternateAddresses
        return config
    }

    static func planError(_ config: WaystoneConfig.StunSection) -> String? {
        do {
            _ = try StunRole.plan(config)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func planWithoutAlternatesIsThePrimarySockets() throws {
        let plan = try StunRole.plan(WaystoneConfig().stun)
        #expect(plan.sockets.map { $0.role } == [.primary])
        #expect(plan.sockets[0].addresses.map(\.description) == ["0.0.0.0:3478", "[::]:3478"])
        #expect(plan.server.primaryPort == 3478)
        #expect(plan.server.alternatePort == nil)
        #expect(plan.server.software == nil)
        #expect(plan.server.maxRequestBytes == WaystoneConfig().stun.limits.maxRequestBytes)
    }

    @Test func planRejectsAlternatesWithoutSpecificAddressesOrOnePort() {
        let wildcard = Self.planError(Self.stunConfig(listen: ["0.0.0.0:3478"], alternatePort: 3479))
        #expect(wildcard?.contains("stun.alternatePort") == true, "\(wildcard ?? "no error")")
        #expect(wildcard?.contains("0.0.0.0:3478") == true)

        let v6Wildcard = Self.planError(Self.stunConfig(listen: ["127.0.0.1:3478", "[::]:3478"], alternatePort: 3479))
        #expect(v6Wildcard?.contains("stun.alternatePort") == true)

        let noPort = Self.planError(Self.stunConfig(listen: ["127.0.0.1:3478"], alternateAddresses: ["127.0.0.2"]))
        #expect(noPort?.contains("stun.alternateAddresses") == true, "\(noPort ?? "no error")")
        #expect(noPort?.contains("stun.alternatePort") == true)

        let twoPorts = Self.planError(
            Self.stunConfig(listen: ["127.0.0.1:3478", "127.0.0.1:3480"], alternatePort: 3479))
        #expect(twoPorts?.contains("stun.alternatePort") == true, "\(twoPorts ?? "no error")")

        let samePort = Self.planError(Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3478))
        #expect(samePort?.contains("stun.alternatePort") == true)

        let twoV4 = Self.planError(Self.stunConfig(listen: ["127.0.0.1:3478", "127.0.0.3:3478"], alternatePort: 3479))
        #expect(twoV4?.contains("at most one IPv4") == true, "\(twoV4 ?? "no error")")

        let notIP = Self.planError(
            Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3479, alternateAddresses: ["example.com"]))
        #expect(notIP?.contains("stun.alternateAddresses") == true)

        let otherFamily = Self.planError(
            Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3479, alternateAddresses: ["::1"]))
        #expect(otherFamily?.contains("same family") == true, "\(otherFamily ?? "no error")")

        let sameIP = Self.planError(
            Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3479, alternateAddresses: ["127.0.0.1"]))
        #expect(sameIP?.contains("stun.alternateAddresses") == true)

        let twoAlternateV4 = Self.planError(
            Self.stunConfig(
                listen: ["127.0.0.1:3478"], alternatePort: 3479, alternateAddresses: ["127.0.0.2", "127.0.0.3"]))
        #expect(twoAlternateV4?.contains("stun.alternateAddresses") == true)
    }

    @Test func planWithAlternatePortAddsTheAlternatePortSockets() throws {
        let plan = try StunRole.plan(Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3479))
        #expect(plan.sockets.map { $0.role } == [.primary, .alternatePortOnly])
        #expect(plan.sockets[0].addresses == [socketAddress("127.0.0.1:3478")])
        #expect(plan.sockets[1].addresses == [socketAddress("127.0.0.1:3479")])
        #expect(plan.server.primaryPort == 3478)
        #expect(plan.server.alternatePort == 3479)
        #expect(plan.server.primaryIPv4 == [127, 0, 0, 1])
        #expect(plan.server.primaryIPv6 == nil)
        #expect(plan.server.alternateIPv4 == nil)
    }

    @Test func planWithAlternateAddressAddsAllFourRoles() throws {
        let plan = try StunRole.plan(
            Self.stunConfig(listen: ["127.0.0.1:3478"], alternatePort: 3479, alternateAddresses: ["127.0.0.2"]))
        #expect(plan.sockets.map { $0.role } == [.primary, .alternatePortOnly, .alternateIPOnly, .alternateBoth])
        #expect(plan.sockets[2].addresses == [socketAddress("127.0.0.2:3478")])
        #expect(plan.sockets[3].addresses == [socketAddress("127.0.0.2:3479")])
        #expect(plan.server.alternateIPv4 == [127, 0, 0, 2])
        #expect(plan.server.alternateIPv6 == nil)

        // Dual stack: one alternate per family.
        let dual = try StunRole.plan(
            Self.stunConfig(
                listen: ["127.0.0.1:3478", "[::1]:3478"], alternatePort: 3479,
                alternateAddresses: ["127.0.0.2", "fd00::2"]))
        #expect(dual.sockets[2].addresses == [socketAddress("127.0.0.2:3478"), socketAddress("[fd00::2]:3478")])
        #expect(dual.sockets[3].addresses == [socketAddress("127.0.0.2:3479"), socketAddress("[fd00::2]:3479")])
        #expect(dual.server.primaryIPv6 == socketAddress("[::1]:0").addressBytes)
        #expect(dual.server.alternateIPv6 == socketAddress("[fd00::2]:0").addressBytes)
    }

    // MARK: RFC 5780 end to end

    @Test func changeRequestIsAnsweredFromTheOtherSockets() throws {
        var harness: StunRoleHarness?
        var p: UInt16 = 0
        var q: UInt16 = 0
        for _ in 0..<5 where harness == nil {
            p = freeStunPort(hosts: ["127.0.0.1", "127.0.0.2"])
            q = freeStunPort(hosts: ["127.0.0.1", "127.0.0.2"], excluding: [p])
            harness = try? StunRoleHarness {
                $0.listen = [socketAddress("127.0.0.1:\(p)")]
                $0.alternatePort = Int(q)
                $0.alternateAddresses = ["127.0.0.2"]
            }
        }
        let h = try #require(harness, "could not bind the four RFC 5780 sockets")
        defer { h.stop() }
        #expect(
            h.boundAddresses == [
                "udp/127.0.0.1:\(p)", "udp/127.0.0.1:\(q)(primary-ip/alternate-port)",
                "udp/127.0.0.2:\(p)(alternate-ip/primary-port)", "udp/127.0.0.2:\(q)(alternate-ip/alternate-port)",
                "tcp/127.0.0.1:\(p)", "tcp/127.0.0.1:\(q)(primary-ip/alternate-port)",
                "tcp/127.0.0.2:\(p)(alternate-ip/primary-port)", "tcp/127.0.0.2:\(q)(alternate-ip/alternate-port)",
            ])
        let primary = socketAddress("127.0.0.1:\(p)")
        let altPort = socketAddress("127.0.0.1:\(q)")
        let altIP = socketAddress("127.0.0.2:\(p)")
        let altBoth = socketAddress("127.0.0.2:\(q)")
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))

        let cases: [(flags: UInt32?, expected: SocketAddress)] = [
            (nil, primary), (0, primary), (0x02, altPort), (0x04, altIP), (0x06, altBoth),
        ]
        for (flags, expected) in cases {
            let id = randomTransactionID()
            let exchanged = client.exchange(stunRequest(transactionID: id, changeFlags: flags), with: primary)
            let (reply, from) = try #require(
                exchanged, "no answer to CHANGE-REQUEST \(flags.map { "\($0)" } ?? "none")")
            #expect(from == expected, "flags \(flags.map { "\($0)" } ?? "none")")
            #expect(reply.messageClass == .successResponse)
            #expect(reply.transactionID == id)
            #expect(reply.xorMappedAddress() == client.mapped)
            #expect(reply.address(.responseOrigin) == stunAddress(expected))
            #expect(reply.address(.otherAddress) == stunAddress(altBoth))
        }

        // Received on the alternate-both socket: OTHER-ADDRESS is the primary; change-port answers from altIP.
        let (onAlt, onAltFrom) = try #require(client.exchange(stunRequest(), with: altBoth))
        #expect(onAltFrom == altBoth)
        #expect(onAlt.address(.responseOrigin) == stunAddress(altBoth))
        #expect(onAlt.address(.otherAddress) == stunAddress(primary))
        let (changed, changedFrom) = try #require(client.exchange(stunRequest(changeFlags: 0x02), with: altBoth))
        #expect(changedFrom == altIP)
        #expect(changed.address(.responseOrigin) == stunAddress(altIP))

        // RFC 3489 client (no magic cookie): MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS instead.
        let legacy = STUNMessageEncoder(
            method: STUN.bindingMethod, messageClass: .request, transactionID: randomTransactionID(),
            magicCookie: 0x0102_0304
        ).finish()
        let (old, oldFrom) = try #require(client.exchange(legacy, with: primary))
        #expect(oldFrom == primary)
        #expect(old.isRFC3489)
        #expect(old.address(.mappedAddress) == client.mapped)
        #expect(old.address(.sourceAddress) == stunAddress(primary))
        #expect(old.address(.changedAddress) == stunAddress(altBoth))

        // TCP: RESPONSE-ORIGIN and OTHER-ADDRESS too; a CHANGE-REQUEST cannot be honoured over TCP: 400.
        let stream = try #require(StunStreamClient(connectTo: primary))
        #expect(stream.send(stunRequest()))
        let tcpReply = try #require(stream.readMessage())
        #expect(tcpReply.address(.responseOrigin) == stunAddress(primary))
        #expect(tcpReply.address(.otherAddress) == stunAddress(altBoth))
        #expect(stream.send(stunRequest(changeFlags: 0x02)))
        let refused = try #require(stream.readMessage())
        #expect(refused.errorCode() == 400)
        #expect(h.errors(400) == 1)
        #expect(h.requests("udp") == 8)
        #expect(h.responses("udp") == 8)

        // RFC 5780 §4 tests may run over TCP: the client opens new connections to OTHER-ADDRESS and to the
        // alternate port. TCP responses advertise those addresses, but TCP is only listened on the primary sockets.
        for other in [altPort, altBoth] {
            let alternate = try #require(StunStreamClient(connectTo: other), "TCP connect to \(other) refused")
            #expect(alternate.send(stunRequest()))
            let reply = try #require(alternate.readMessage())
            #expect(reply.address(.responseOrigin) == stunAddress(other))
        }
    }

    /// Each transport can be switched off: only the other one is bound and answers.
    @Test func eachTransportCanBeSwitchedOff() throws {
        let udpOnly = try StunRoleHarness { $0.tcp = false }
        defer { udpOnly.stop() }
        #expect(udpOnly.boundAddresses.allSatisfy { $0.hasPrefix("udp/") } && udpOnly.boundAddresses.count == 1)
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        #expect(client.exchange(stunRequest(), with: udpOnly.udp) != nil)

        let tcpOnly = try StunRoleHarness { $0.udp = false }
        defer { tcpOnly.stop() }
        #expect(tcpOnly.boundAddresses.allSatisfy { $0.hasPrefix("tcp/") } && tcpOnly.boundAddresses.count == 1)
        let stream = try #require(StunStreamClient(connectTo: tcpOnly.tcp))
        #expect(stream.send(stunRequest()))
        #expect(stream.readMessage()?.xorMappedAddress() == stream.mapped)
    }

    /// With several listen addresses of one family, each answers from itself (not from the last one bound).
    @Test func severalListenAddressesEachAnswerFromThemselves() throws {
        var harness: StunRoleHarness?
        var p: UInt16 = 0
        for _ in 0..<5 where harness == nil {
            p = freeStunPort(hosts: ["127.0.0.1", "127.0.0.3"])
            harness = try? StunRoleHarness {
                $0.listen = [socketAddress("127.0.0.1:\(p)"), socketAddress("127.0.0.3:\(p)")]
            }
        }
        let h = try #require(harness, "could not bind two loopback addresses")
        defer { h.stop() }
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        for server in [socketAddress("127.0.0.1:\(p)"), socketAddress("127.0.0.3:\(p)")] {
            let (reply, from) = try #require(client.exchange(stunRequest(), with: server))
            #expect(from == server)
            #expect(reply.xorMappedAddress() != nil)
        }
    }

    @Test func changeRequestTheConfigurationCannotHonourGets420() throws {
        var harness: StunRoleHarness?
        var p: UInt16 = 0
        var q: UInt16 = 0
        for _ in 0..<5 where harness == nil {
            p = freeStunPort()
            q = freeStunPort(excluding: [p])
            harness = try? StunRoleHarness {
                $0.listen = [socketAddress("127.0.0.1:\(p)")]
                $0.alternatePort = Int(q)
            }
        }
        let h = try #require(harness, "could not bind the RFC 5780 sockets")
        defer { h.stop() }
        #expect(h.boundAddresses.count == 4)  // UDP and TCP, each on the primary and the alternate port
        let primary = socketAddress("127.0.0.1:\(p)")
        let altPort = socketAddress("127.0.0.1:\(q)")
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))

        let (plain, _) = try #require(client.exchange(stunRequest(), with: primary))
        #expect(plain.address(.otherAddress) == stunAddress(altPort))
        #expect(plain.address(.responseOrigin) == stunAddress(primary))
        let (changed, changedFrom) = try #require(client.exchange(stunRequest(changeFlags: 0x02), with: primary))
        #expect(changedFrom == altPort)
        #expect(changed.address(.responseOrigin) == stunAddress(altPort))

        // No second IP: change-IP cannot be honoured; 420 listing CHANGE-REQUEST, from the receiving socket.
        for flags: UInt32 in [0x04, 0x06] {
            let (reply, from) = try #require(client.exchange(stunRequest(changeFlags: flags), with: primary))
            #expect(from == primary)
            #expect(reply.errorCode() == 420)
            #expect(reply.unknownAttributes() == [STUNAttributeType.changeRequest.rawValue])
        }
        #expect(h.errors(420) == 2)
        #expect(h.responses("udp") == 2)
        #expect(h.requests("udp") == 4)
    }

    // MARK: Server integration

    @Test func serverBindsStunFromTheConfigAndReportsIt() throws {
        let port = freeStunPort()
        let h = try StandardServerHarness(environment: ["WAYSTONE_STUN_LISTEN": "127.0.0.1:\(port)"])
        defer { h.finish() }
        let metricsPort = try #require(h.start(), "server did not become ready: \(h.sink.lines)")
        let started = try #require(h.lines("msg=started").first)
        #expect(started.contains("stun=udp/127.0.0.1:\(port),tcp/127.0.0.1:\(port)"), "\(started)")
        #expect(h.lines("role disabled").filter { $0.contains("role=stun") }.isEmpty)
        #expect(get("/readyz", port: metricsPort)?.status == 200)

        let server = socketAddress("127.0.0.1:\(port)")
        let client = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:0")))
        let (reply, _) = try #require(client.exchange(stunRequest(), with: server))
        #expect(reply.xorMappedAddress() == client.mapped)
        let stream = try #require(StunStreamClient(connectTo: server))
        #expect(stream.send(stunRequest()))
        #expect(stream.readMessage()?.xorMappedAddress() == stream.mapped)

        let metrics = try #require(get("/metrics", port: metricsPort))
        #expect(sampleValue(metrics.body, #"waystone_stun_binding_requests_total{transport="udp"}"#) == 1)
        #expect(sampleValue(metrics.body, #"waystone_stun_binding_requests_total{transport="tcp"}"#) == 1)
        #expect(sampleValue(metrics.body, "waystone_stun_tcp_connections") == 1)

        #expect(h.stop() == .success)
        #expect(stream.waitForClose(timeout: 2))
        // Everything is released once run returned.
        #expect(UDPClient(bindTo: server) != nil)
        #expect(TCPHolder(listenOn: server) != nil)
    }

    @Test func serverWithStunDisabledSaysSo() throws {
        let h = try StandardServerHarness(environment: ["WAYSTONE_STUN_LISTEN": ""])
        defer { h.finish() }
        _ = try #require(h.start(), "server did not become ready: \(h.sink.lines)")
        #expect(h.lines("role disabled by configuration").first?.contains("role=stun") == true)
        #expect(h.lines("msg=started").first?.contains("stun=") == false)
        #expect(h.stop() == .success)
    }

    @Test func stunUDPPortInUseIsAConfigError() throws {
        let port = freeStunPort()
        let holder = try #require(UDPClient(bindTo: socketAddress("127.0.0.1:\(port)")))
        defer { withExtendedLifetime(holder) {} }
        let h = try StandardServerHarness(environment: ["WAYSTONE_STUN_LISTEN": "127.0.0.1:\(port)"])
        defer { h.finish() }
        let code = h.server.run(watchSignals: false)
        #expect(code == .config)
        let errors = h.lines("level=error")
        #expect(errors.count == 1)
        let line = try #require(errors.first)
        #expect(line.contains("stun.listen"), "\(line)")
        #expect(line.contains("127.0.0.1:\(port)"), "\(line)")
        #expect(h.lines("msg=started").isEmpty)
        // The TCP port was never taken.
        #expect(TCPHolder(listenOn: socketAddress("127.0.0.1:\(port)")) != nil)
    }

    @Test func stunTCPPortInUseIsAConfigErrorAndReleasesTheUDPSocket() throws {
        let port = freeStunPort()
        let holder = try #require(TCPHolder(listenOn: socketAddress("127.0.0.1:\(port)")))
        defer { withExtendedLifetime(holder) {} }
        let h = try StandardServerHarness(environment: ["WAYSTONE_STUN_LISTEN": "127.0.0.1:\(port)"])
        defer { h.finish() }
        let code = h.server.run(watchSignals: false)
        #expect(code == .config)
        let line = try #require(h.lines("level=error").first)
        #expect(line.contains("stun.listen (TCP)"), "\(line)")
        #expect(line.contains("127.0.0.1:\(port)"), "\(line)")
        // The UDP socket bound before the failure is closed again.
        #expect(UDPClient(bindTo: socketAddress("127.0.0.1:\(port)")) != nil)
    }
}
