import Glibc

// streamsbench: in-process benchmark of the libp2p stream plumbing (`make bench-streams`, Tests/Benchmarks/streams.sh).
//   streamsbench --mode transfer --streams N [--bytes B] [--chunk C]   bulk transfer over two connection machines
//   streamsbench --mode floor [--bytes B]                              ChaCha20-Poly1305 seal + open of B bytes
//   streamsbench --self-test                                           allocation counter, pattern check, small runs
// Prints one line of key=value pairs; exits 1 on any error (lost, corrupt or reordered bytes, reset, stall).

func usage() -> Never {
    print(
        "usage: streamsbench --mode transfer|floor [--streams N] [--bytes B] [--chunk C] | --self-test\n"
            + "  defaults: --streams 1 --bytes 1073741824 --chunk 65536; built against the \(Compat.api) API")
    exit(2)
}

func transferRun(streams: Int, bytes: Int, chunk: Int) throws -> Measurement {
    let pattern = Pattern(chunk: chunk)
    var pair = try Pair()
    try pair.upgrade()
    var transfer = Transfer(pair: pair, streams: streams, bytes: bytes, pattern: pattern)
    return try Measurement.of { try transfer.run() }
}

func selfTest() -> Bool {
    if let failure = mallocCounterSelfCheck() {
        print("self-test: allocation counter: \(failure)")
        return false
    }
    let pattern = Pattern(chunk: 1000)
    var data = pattern.piece(stream: 2, offset: 1500, count: 500)
    var ok = data.withUnsafeBytes { pattern.matches($0, stream: 2, offset: 1500) }
    ok = ok && !data.withUnsafeBytes { pattern.matches($0, stream: 3, offset: 1500) }
    ok = ok && !data.withUnsafeBytes { pattern.matches($0, stream: 2, offset: 1501) }
    data[499] ^= 1
    ok = ok && !data.withUnsafeBytes { pattern.matches($0, stream: 2, offset: 1500) }
    guard ok else {
        print("self-test: pattern check")
        return false
    }
    // Uneven shares, chunks that do not divide them, more than a Yamux queue per stream.
    for (streams, bytes, chunk) in [(1, 3 << 20, 65536), (3, (5 << 20) + 7, 1000), (16, 4 << 20, 100_000), (4, 3, 2)] {
        do {
            _ = try transferRun(streams: streams, bytes: bytes, chunk: chunk)
            _ = try floorRun(bytes: bytes)
        } catch {
            print("self-test: \(streams) streams, \(bytes) bytes, chunk \(chunk): \(error)")
            return false
        }
    }
    print("self-test: ok (\(Compat.api) API)")
    return true
}

if let failure = mallocCounterSelfCheck() {
    print("streamsbench: the allocation counter does not count (\(failure))")
    exit(1)
}
// `--name value` pairs (no BenchSupport: the same sources build in older base revisions).
func parse(_ arguments: [String]) -> [String: String] {
    var options: [String: String] = [:]
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument == "--self-test" { exit(selfTest() ? 0 : 1) }
        guard argument.hasPrefix("--"), argument != "--help", let value = rest.popFirst() else { usage() }
        options[String(argument.dropFirst(2))] = value
    }
    return options
}
let options = parse(Array(CommandLine.arguments.dropFirst()))
func number(_ options: [String: String], _ name: String, _ fallback: Int) -> Int {
    guard let text = options[name] else { return fallback }
    guard let value = Int(text), value > 0 else { usage() }
    return value
}
let bytes = number(options, "bytes", 1 << 30)
let streams = number(options, "streams", 1)
let chunk = number(options, "chunk", 64 * 1024)
do {
    switch options["mode"] ?? "transfer" {
    case "transfer":
        let result = try transferRun(streams: streams, bytes: bytes, chunk: chunk)
        print(result.line("api=\(Compat.api) mode=transfer streams=\(streams) chunk=\(chunk)", bytes: bytes))
    case "floor":
        let result = try floorRun(bytes: bytes)
        print(result.line("api=\(Compat.api) mode=floor frame=65519", bytes: bytes))
    default:
        usage()
    }
} catch {
    print("streamsbench: \(error)")
    exit(1)
}
