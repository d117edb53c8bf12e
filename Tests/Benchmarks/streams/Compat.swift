import Node
import Yamux

/// The stream API of `Libp2pConnection` as the driver uses it: everything that differs between the base revision
/// (built with `-DSTREAMS_BASE`: the API on main at d5b9688) and the current tree (the new stream API) is here,
/// so `Transfer.swift` runs the same pump loop, chunk size and total on both.
enum StreamEvent {
    /// The peer accepted a stream we opened.
    case opened(UInt32)
    case data(UInt32, UnsafeRawBufferPointer)
    /// A stream that accepted fewer bytes than offered takes more again.
    case writable(UInt32)
    /// The peer finished its half (FIN).
    case finished(UInt32)
    /// Reset, refused or otherwise gone without a FIN.
    case failed(UInt32, String)
}

#if STREAMS_BASE

    enum Compat {
        static let api = "base"
        /// The old API reports no writability: a writer that stopped tries again after every input the dialer handled.
        static let announcesWritable = false

        /// The old `write` resets the stream when its Yamux queue (``YamuxConfig/maxQueuedBytesPerStream``) cannot
        /// take all of `bytes`, so it is called only while ``Libp2pConnection/bufferedBytes`` (all streams' queues)
        /// leaves room for the whole chunk; otherwise nothing is written (0: wait). nil: the stream is not writable.
        static func write(
            _ connection: inout Libp2pConnection, _ id: UInt32, _ bytes: [UInt8], _ out: inout Output
        ) -> Int? {
            guard connection.bufferedBytes + bytes.count <= Bench.yamux.maxQueuedBytesPerStream else { return 0 }
            return connection.write(id, bytes, output: &out) ? bytes.count : nil
        }

        static func closeWrite(_ connection: inout Libp2pConnection, _ id: UInt32, _ out: inout Output) {
            connection.closeStream(id, output: &out)
        }

        static func receive(_ connection: inout Libp2pConnection, _ bytes: [UInt8]) -> Output {
            connection.receive(bytes, now: 0)
        }

        /// `.streamClosed` is FIN, reset or refusal alike: reported as `.finished`; the driver's byte counts and
        /// ordering (a close before our own FIN is an error) tell them apart.
        static func forEach(_ events: [ConnectionEvent], _ body: (StreamEvent) throws -> Void) rethrows {
            for event in events {
                switch event {
                case .streamOpened(let id, _, inbound: false): try body(.opened(id))
                case .streamData(let id, let bytes): try bytes.withUnsafeBytes { try body(.data(id, $0)) }
                case .streamClosed(let id): try body(.finished(id))
                default: break
                }
            }
        }
    }

#else

    enum Compat {
        static let api = "current"
        /// A write that accepted less than offered is followed by `.streamWritable` once the stream has room.
        static let announcesWritable = true

        /// Bytes accepted (possibly fewer than given; the stream is never reset for it); nil: not writable.
        static func write(
            _ connection: inout Libp2pConnection, _ id: UInt32, _ bytes: [UInt8], _ out: inout Output
        ) -> Int? {
            connection.write(id, bytes, output: &out)
        }

        static func closeWrite(_ connection: inout Libp2pConnection, _ id: UInt32, _ out: inout Output) {
            connection.closeWrite(id, output: &out)
        }

        /// The raw-buffer overload, as a runtime reading a socket buffer would call it.
        static func receive(_ connection: inout Libp2pConnection, _ bytes: [UInt8]) -> Output {
            bytes.withUnsafeBytes { connection.receive($0, now: 0) }
        }

        static func forEach(_ events: [ConnectionEvent], _ body: (StreamEvent) throws -> Void) rethrows {
            for event in events {
                switch event {
                case .streamOpened(let id, _, inbound: false): try body(.opened(id))
                case .streamData(let id, let bytes): try bytes.withUnsafeBytes { try body(.data(id, $0)) }
                case .streamWritable(let id): try body(.writable(id))
                case .streamFinished(let id): try body(.finished(id))
                case .streamReset(let id, let code): try body(.failed(id, "reset (code \(code))"))
                case .streamOpenFailed(let id): try body(.failed(id, "open failed"))
                default: break
                }
            }
        }
    }

#endif
