// libp2pload: the libp2p connection load client of `make bench-libp2p` (Tests/Benchmarks/libp2p.sh).
//
// Opens --conns N TCP connections to one libp2p server, at most --concurrency upgrading at once, each from the next
// of --sources (round robin, e.g. several 127.0.0.x so that 10k connections do not exhaust one address's ports) and
// with a fresh Ed25519 identity. Each is upgraded by Node's Libp2pConnection on a WaystoneRuntime EventLoop (one
// thread): multistream-select /noise, Noise XX (the server must be --peer), /yamux/1.0.0, then it asks the server's
// identify (/ipfs/id/1.0.0) and answers the server's own identify request. A connection is done when `.identified`
// arrives carrying the server's public key. When all are done the connections are held idle for --hold seconds.
//
// With --server-pid it reads the server's utime+stime (/proc/PID/stat) before the first connect and after the last
// identify, and its VmRSS (/proc/PID/status) before the first connect and at the end of the hold.
// Output: one line of key=value pairs starting with "libp2pload". `--self-test` checks the client against an
// in-process listener (good server, wrong peer ID, wrong identify key, dropped connections).
import BenchSupport
import Glibc
import Libp2pCore
import WaystoneRuntime

enum Report {
    static func line(_ result: LoadResult, plan: LoadPlan) -> String {
        func fixed(_ value: Double?, _ digits: Int) -> String {
            guard let value, value.isFinite else { return "-" }
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let rounded = (value * scale).rounded() / scale
            return "\(rounded)"
        }
        var cpu: Double?
        if let before = result.serverCPUBefore, let after = result.serverCPUAfterConnect { cpu = after - before }
        var holdCPU: Double?
        if let before = result.serverCPUAfterConnect, let after = result.serverCPUAfterHold { holdCPU = after - before }
        var rssPerConnection: Double?
        if let before = result.serverRSSBeforeKiB, let held = result.serverRSSHeldKiB, result.held > 0 {
            rssPerConnection = Double(held - before) / Double(result.held)
        }
        let done = Double(result.identified)
        let reasons = result.failureReasons.sorted { $0.value > $1.value }.prefix(4)
            .map { "\($0.key.replacingSpaces())×\($0.value)" }.joined(separator: ",")
        return "libp2pload conns=\(plan.connections) concurrency=\(plan.concurrency) sources=\(plan.sources.count)"
            + " identified=\(result.identified) failed=\(result.failed) dropped=\(result.dropped)"
            + " bad_identify=\(result.badIdentify) errors=\(result.errors) held=\(result.held)"
            + " timed_out=\(result.timedOut ? 1 : 0) seconds=\(fixed(result.connectSeconds, 3))"
            + " conn_per_s=\(fixed(result.connectSeconds > 0 ? done / result.connectSeconds : nil, 1))"
            + " server_cpu_s=\(fixed(cpu, 2)) server_cpu_ms_per_conn=\(fixed(cpu.map { 1000 * $0 / done }, 4))"
            + " conn_per_server_cpu_s=\(fixed(cpu.map { done / $0 }, 1)) server_cpu_hold_s=\(fixed(holdCPU, 2))"
            + " server_rss_before_kib=\(result.serverRSSBeforeKiB.map { "\($0)" } ?? "-")"
            + " server_rss_held_kib=\(result.serverRSSHeldKiB.map { "\($0)" } ?? "-")"
            + " rss_kib_per_conn=\(fixed(rssPerConnection, 2)) hold_s=\(plan.holdSeconds)"
            + " client_cpu_s=\(fixed(ProcStats.ownCPUSeconds(), 2))"
            + " client_peak_rss_kib=\(ProcStats.ownPeakRSSKiB().map { "\($0)" } ?? "-")"
            + " reasons=\(reasons.isEmpty ? "-" : reasons)"
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(map { $0 == " " || $0 == "=" ? "_" : $0 })
    }
}

func usage() -> Never {
    print(
        """
        usage: libp2pload --server HOST:PORT --peer PEER_ID --conns N [--concurrency C] [--sources IP,IP,...]
                          [--server-pid PID] [--hold SECONDS] [--timeout SECONDS] [--connect-timeout SECONDS]
               libp2pload --self-test
        """)
    exit(2)
}

func fail(_ message: String) -> Never { CommandLineOptions.fail("libp2pload", message) }

EventLoop.ignoreSIGPIPE()
let options = CommandLineOptions.parse(
    Array(CommandLine.arguments.dropFirst()), selfTest: { SelfTest.run() }, usage: usage)
guard let serverText = options["server"], let peerText = options["peer"], let countText = options["conns"],
    let count = Int(countText), count >= 0
else { usage() }
guard let server = try? SocketAddress.parse(serverText) else { fail("bad --server \(serverText)") }
guard let peer = try? PeerID(string: peerText) else { fail("bad --peer \(peerText)") }
var plan = LoadPlan(server: server, serverPeer: peer, connections: count)
if let text = options["concurrency"] {
    guard let value = Int(text), value > 0 else { fail("bad --concurrency \(text)") }
    plan.concurrency = value
}
if let text = options["sources"] {
    plan.sources = text.split(separator: ",").map { host in
        guard let address = try? SocketAddress.parse("\(host):0") else { fail("bad source address \(host)") }
        return address
    }
}
for (key, apply) in [
    ("hold", { (value: Double) in plan.holdSeconds = value }),
    ("timeout", { (value: Double) in plan.timeoutSeconds = value }),
    ("connect-timeout", { (value: Double) in plan.connectTimeoutSeconds = value }),
] {
    guard let text = options[key] else { continue }
    guard let value = Double(text), value >= 0 else { fail("bad --\(key) \(text)") }
    apply(value)
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
var report = ""
var exitCode: Int32 = 0
let client = LoadClient(loop: loop, plan: plan) { result in
    report = Report.line(result, plan: plan)
    exitCode = result.errors == 0 && !result.timedOut ? 0 : 1
    loop.stop()
}
client.start()
do {
    try loop.run()
} catch {
    fail("\(error)")
}
print(report)
// The process exit closes every socket at once; the server's work after that is not measured.
exit(exitCode)
