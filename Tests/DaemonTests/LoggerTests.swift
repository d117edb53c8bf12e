import Testing

@testable import Daemon

@Suite struct LoggerTests {
    /// 2026-11-21T22:08:50.123Z
    static let fixedMillis: Int64 = 1_795_298_930_123

    func makeLogger(_ level: LogLevel = .info, _ format: LogFormat = .logfmt) -> (Logger, CollectingSink) {
        let sink = CollectingSink()
        return (Logger(level: level, format: format, sink: sink, clock: { Self.fixedMillis }), sink)
    }

    @Test func timestamps() {
        #expect(LogTimestamp.format(milliseconds: Self.fixedMillis) == "2026-11-21T22:08:50.123Z")
        #expect(LogTimestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(LogTimestamp.format(milliseconds: 951_782_400_007) == "2000-02-29T00:00:00.007Z")
        #expect(LogTimestamp.format(milliseconds: 4_102_444_799_999) == "2099-12-31T23:59:59.999Z")
    }

    @Test func logfmtGoldenLine() {
        let (logger, sink) = makeLogger()
        logger.info(
            "listener.started",
            ["addr": "0.0.0.0:3478", "proto": "udp stun", "note": "", "eq": "a=b", "q": #"say "hi""#])
        #expect(
            sink.lines == [
                #"ts=2026-11-21T22:08:50.123Z level=info msg=listener.started addr=0.0.0.0:3478 proto="udp stun" note="" eq="a=b" q="say \"hi\"""#
            ])
    }

    @Test func jsonGoldenLine() {
        let (logger, sink) = makeLogger(.debug, .json)
        logger.warn("peer dropped", ["peer": "12D3KooW", "reason": "a\"b\\c"])
        #expect(
            sink.lines == [
                #"{"ts":"2026-11-21T22:08:50.123Z","level":"warn","msg":"peer dropped","peer":"12D3KooW","reason":"a\"b\\c"}"#
            ])
    }

    @Test func newlineInjectionStaysOnOneLine() throws {
        for format in LogFormat.allCases {
            let (logger, sink) = makeLogger(.info, format)
            let evil = "x\nts=2026-01-01T00:00:00.000Z level=error msg=forged\r\u{1B}[31m\u{2028}"
            logger.error(evil, [evil: evil])
            logger.log(.info, "array fields", [("k\n", "v\r\n")])
            #expect(sink.lines.count == 2)
            for line in sink.lines {
                #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{7F}" })
            }
            if format == .json {
                _ = try JSONParser().parse(sink.lines[0])
                _ = try JSONParser().parse(sink.lines[1])
            }
        }
        let (logger, sink) = makeLogger()
        logger.info("a\nb", ["k=y z": "1"])
        #expect(sink.lines == [#"ts=2026-11-21T22:08:50.123Z level=info msg="a\nb" k_y_z=1"#])
    }

    @Test func levelFilteringAndRuntimeChange() {
        let (logger, sink) = makeLogger(.warn)
        logger.debug("d")
        logger.info("i")
        logger.warn("w")
        logger.error("e")
        #expect(sink.lines.map { $0.split(separator: " ")[1] } == ["level=warn", "level=error"])
        #expect(!logger.isEnabled(.info))
        logger.level = .debug
        logger.debug("d2")
        #expect(logger.level == .debug)
        #expect(sink.lines.count == 3)
        logger.format = .json
        logger.info("i2")
        #expect(sink.lines.last?.hasPrefix(#"{"ts":"#) == true)
        logger.level = .error
        logger.warn("w2")
        #expect(sink.lines.count == 4)
    }

    @Test func concurrentLoggingKeepsWholeLines() async {
        let (logger, sink) = makeLogger()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<100 {
                        logger.info("tick", ["task": String(t), "i": String(i)])
                        if i == 50 { logger.level = .info }
                    }
                }
            }
        }
        #expect(sink.lines.count == 800)
        #expect(sink.lines.allSatisfy { $0.hasPrefix("ts=") && $0.contains(" msg=tick task=") })
    }

    @Test func levelAndFormatNames() {
        #expect(LogLevel.allCases.map(\.name) == ["error", "warn", "info", "debug"])
        #expect(LogLevel.allCases.allSatisfy { LogLevel(name: $0.name) == $0 })
        #expect(LogFormat(name: "json") == .json && LogFormat(name: "JSON") == nil)
        #expect(LogLevel.error < LogLevel.debug)
    }
}
