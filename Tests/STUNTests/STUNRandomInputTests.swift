import STUN
import TestSupport
import Testing

/// Random and mutated bytes never trap the decoder, the server or the framer.
@Suite struct STUNRandomInputTests {
    static let seeds: [[UInt8]] = [
        request(),
        request(fingerprint: true),
        request(attributes: [(.changeRequest, [0, 0, 0, 6]), (.username, Array("u:v".utf8))], fingerprint: true),
        request(attributes: [(STUNAttributeType(0x0031), [1, 2, 3])]),
    ]

    static func input(_ rng: inout SeededGenerator) -> [UInt8] {
        if Bool.random(using: &rng) { return rng.bytes(maxCount: 700) }
        // A valid message with a few bytes flipped, truncated or extended: reaches deeper than pure noise.
        var m = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = Int.random(in: 0..<m.count, using: &rng)
            m[i] = UInt8.random(in: 0...255, using: &rng)
        }
        if Int.random(in: 0..<4, using: &rng) == 0 { m = Array(m.prefix(Int.random(in: 0...m.count, using: &rng))) }
        if Int.random(in: 0..<4, using: &rng) == 0 { m += rng.bytes(maxCount: 16) }
        return m
    }

    @Test func decoderAndServerNeverTrap() {
        var rng = SeededGenerator.fromEnvironment("STUNRandomInput.decoderAndServer")
        let servers = [
            STUNServer(config: STUNServerConfig()),
            STUNServer(
                config: STUNServerConfig(
                    software: "w", alternatePort: 3479, alternateIPv4: [198, 51, 100, 2], primaryIPv4: nil)),
        ]
        var responded = 0
        for _ in 0..<20_000 {
            let bytes = Self.input(&rng)
            if let m = try? STUNMessage.decode(bytes) {
                _ = m.fingerprintIsValid()
                _ = m.messageIntegrityIsValid(key: [1, 2, 3])
                _ = m.xorMappedAddress()
                _ = m.errorCode()
                _ = m.unknownAttributes()
            }
            for s in servers {
                for socket in STUNSocketRole.all {
                    let outcome = s.handle(
                        bytes, source: clientV4, local: localV4, socket: socket,
                        transport: Bool.random(using: &rng) ? .udp : .tcp)
                    if case .respond(let out, _, _) = outcome {
                        responded += 1
                        #expect((try? STUNMessage.decode(out)) != nil)
                    }
                }
            }
        }
        #expect(responded > 0)
    }

    @Test func framerNeverTraps() {
        var rng = SeededGenerator.fromEnvironment("STUNRandomInput.framer")
        for _ in 0..<2_000 {
            var f = STUNTCPFramer(maxMessageBytes: 576)
            segments: for _ in 0..<Int.random(in: 1...8, using: &rng) {
                f.append(Self.input(&rng))
                while true {
                    do {
                        guard let m = try f.next() else { break }
                        #expect(m.count >= 20 && m.count <= 576)
                    } catch {
                        break segments
                    }
                }
            }
        }
    }
}
