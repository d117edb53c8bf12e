// kadload: the Kademlia load client of `make bench-kad` (Tests/Benchmarks/kad.sh).
//
// Phase 1 (populate): opens --dht-peers P connections to one libp2p server, each a fresh Ed25519 identity whose
// identify lists /ipfs/kad/1.0.0 and a listen address (/ip4/127.0.0.1/tcp/<20000+i>; nothing listens there), and
// answers the kad requests the server sends on them: a FIND_NODE gets a FIND_NODE response listing that peer itself
// (go-libp2p-kad-dht's check wants at least one peer; Waystone's wants an answer). Both servers add a DHT server
// to their routing table only after such a check.
// Phase 2 (load): --clients C more connections (identify without the DHT protocol, so they stay out of the table)
// send FIND_NODE requests for random keys shaped like sha2-256 peer IDs (0x12 0x20 + 32 random bytes), --streams S
// in flight. First in windows of --window seconds until the number of our DHT peers seen in one window's answers
// (the server's table as seen from outside) has not grown for --stable-windows windows; then per --modes mode
// (reused: S streams kept open, request → response → next request; per-request: open, write, read the response,
// close) --warmup seconds, then --seconds measured. A good answer is a FIND_NODE response with at least one closer
// peer and only valid peer IDs; anything else, a stream ended before its answer or a --request-timeout is an error.
//
// With --server-pid it reads the server's utime+stime (/proc/PID/stat) at the start and end of each measured
// window, and its VmRSS (/proc/PID/status) at the end. Output: one "kadload populate ..." line, then one
// "kadload mode=..." line per mode, key=value pairs. `--self-test` checks the client against an in-process DHT
// server (good server, malformed answers, reset streams, empty answers).
import BenchSupport
import Glibc
import Libp2pCore
import WaystoneRuntime

enum Report {
    static func fixed(_ value: Double?, _ digits: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return "\((value * scale).rounded() / scale)"
    }

    static func reasons(_ reasons: [String: Int]) -> String {
        let top = reasons.sorted { $0.value > $1.value }.prefix(4)
            .map { "\(String($0.key.map { $0 == " " || $0 == "=" ? "_" : $0 }))×\($0.value)" }
        return top.isEmpty ? "-" : top.joined(separator: ",")
    }

    static func populateLine(_ result: PopulateResult, plan: KadPlan) -> String {
        "kadload populate dht_peers=\(plan.dhtPeers) identified=\(result.identified) failed=\(result.failed)"
            + " bad_identify=\(result.badIdentify) clients=\(result.clientsIdentified)/\(plan.clients)"
            + " connect_s=\(fixed(result.connectSeconds, 2)) settle_s=\(fixed(result.settleSeconds, 2))"
            + " settled=\(result.settled ? 1 : 0) table_seen=\(result.tableSeen)"
            + " server_queries=\(result.serverQueries) peers_queried=\(result.peersQueried)"
            + " reasons=\(reasons(result.failureReasons))"
    }

    static func percentile(_ sorted: [UInt32], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return Double(sorted[index]) / 1000
    }

    static func modeLine(_ result: ModeResult, plan: KadPlan) -> String {
        let requests = Double(result.requests)
        let cpu = result.serverCPUSeconds
        let latencies = result.latenciesMicroseconds.sorted()
        return "kadload mode=\(result.mode.rawValue) streams=\(plan.streams) clients=\(plan.clients)"
            + " requests=\(result.requests) errors=\(result.errors) seconds=\(fixed(result.seconds, 3))"
            + " req_per_s=\(fixed(result.seconds > 0 ? requests / result.seconds : nil, 1))"
            + " server_cpu_s=\(fixed(cpu, 2))"
            + " server_cpu_us_per_req=\(fixed(cpu.flatMap { requests > 0 ? 1e6 * $0 / requests : nil }, 2))"
            + " req_per_server_cpu_s=\(fixed(cpu.flatMap { $0 > 0 ? requests / $0 : nil }, 1))"
            + " server_rss_kib=\(result.serverRSSKiB.map { "\($0)" } ?? "-")"
            + " client_cpu_s=\(fixed(result.clientCPUSeconds, 2)) table_seen=\(result.tableSeen)"
            + " peers_per_answer=\(fixed(requests > 0 ? Double(result.closerPeers) / requests : nil, 2))"
            + " foreign_peers=\(result.foreignPeers) streams_opened=\(result.streamsOpened)"
            + " p50_ms=\(fixed(percentile(latencies, 0.5), 3)) p99_ms=\(fixed(percentile(latencies, 0.99), 3))"
            + " reasons=\(reasons(result.failureReasons))"
    }
}

func usage() -> Never {
    print(
        """
        usage: kadload --server HOST:PORT --peer PEER_ID [--dht-peers P] [--clients C] [--streams S]
                       [--modes reused,per-request] [--seconds S] [--warmup S] [--sources IP,IP,...]
                       [--server-pid PID] [--window S] [--stable-windows N] [--settle-timeout S]
                       [--connect-timeout S] [--request-timeout S] [--protocol ID]
               kadload --self-test
        """)
    exit(2)
}

func fail(_ message: String) -> Never { CommandLineOptions.fail("kadload", message) }

EventLoop.ignoreSIGPIPE()
let options = CommandLineOptions.parse(
    Array(CommandLine.arguments.dropFirst()), selfTest: { SelfTest.run() }, usage: usage)
guard let serverText = options["server"], let peerText = options["peer"] else { usage() }
guard let server = try? SocketAddress.parse(serverText) else { fail("bad --server \(serverText)") }
guard let peer = try? PeerID(string: peerText) else { fail("bad --peer \(peerText)") }
var plan = KadPlan(server: server, serverPeer: peer)
for (key, apply) in [
    ("dht-peers", { (value: Int) in plan.dhtPeers = value }),
    ("clients", { (value: Int) in plan.clients = max(1, value) }),
    ("streams", { (value: Int) in plan.streams = max(1, value) }),
    ("stable-windows", { (value: Int) in plan.stableWindows = max(1, value) }),
] {
    guard let text = options[key] else { continue }
    guard let value = Int(text), value >= 0 else { fail("bad --\(key) \(text)") }
    apply(value)
}
for (key, apply) in [
    ("seconds", { (value: Double) in plan.seconds = value }),
    ("warmup", { (value: Double) in plan.warmupSeconds = value }),
    ("window", { (value: Double) in plan.windowSeconds = max(0.05, value) }),
    ("settle-timeout", { (value: Double) in plan.settleTimeoutSeconds = value }),
    ("connect-timeout", { (value: Double) in plan.connectTimeoutSeconds = value }),
    ("request-timeout", { (value: Double) in plan.requestTimeoutSeconds = value }),
] {
    guard let text = options[key] else { continue }
    guard let value = Double(text), value >= 0 else { fail("bad --\(key) \(text)") }
    apply(value)
}
if let text = options["modes"] {
    plan.modes = text.split(separator: ",").map { name in
        guard let mode = KadLoadMode(rawValue: String(name)) else { fail("bad mode \(name)") }
        return mode
    }
}
if let text = options["protocol"] { plan.protocolID = text }
if let text = options["sources"] {
    plan.sources = text.split(separator: ",").map { host in
        guard let address = try? SocketAddress.parse("\(host):0") else { fail("bad source address \(host)") }
        return address
    }
}
if let text = options["server-pid"] {
    guard let pid = Int32(text), ProcStats.cpuSeconds(pid: pid) != nil else { fail("no process \(text)") }
    plan.serverPID = pid
}

let loop: EventLoop
do {
    loop = try EventLoop()
} catch {
    fail("\(error)")
}
var lines: [String] = []
var exitCode: Int32 = 0
let client = KadLoadClient(loop: loop, plan: plan) { populate, results in
    lines.append(Report.populateLine(populate, plan: plan))
    lines += results.map { Report.modeLine($0, plan: plan) }
    let complete = results.count == plan.modes.count && populate.identified == plan.dhtPeers
    exitCode = complete && results.allSatisfy { $0.errors == 0 } ? 0 : 1
    loop.stop()
}
client.start()
do {
    try loop.run()
} catch {
    fail("\(error)")
}
for line in lines { print(line) }
// The process exit closes every socket at once; the server's work after that is not measured.
exit(exitCode)
