import Wire

/// multistream-select 1.0 message framing: `uvarint(len(token) + 1) || token || "\n"`.
public enum MultistreamCodec {
    /// The protocol id of the negotiation itself, sent first by both sides.
    public static let header = "/multistream/1.0.0"
    /// The listener's refusal of a proposal.
    public static let notAvailable = "na"
    /// The request for the listener's protocol list.
    public static let list = "ls"
    /// The largest message go and js accept: length prefix value, newline included.
    public static let defaultMaxMessageLength = 1024

    /// Appends the framed `token` to `bytes`.
    public static func append(_ token: String, to bytes: inout [UInt8]) {
        let utf8 = token.utf8
        UVarint.append(UInt64(utf8.count + 1), to: &bytes)
        bytes.append(contentsOf: utf8)
        bytes.append(0x0A)
    }

    /// Returns the framed `token`.
    public static func encode(_ token: String) -> [UInt8] {
        var out: [UInt8] = []
        append(token, to: &out)
        return out
    }

    /// Whether `token` can be sent as one message within `maxMessageLength`: non-empty, no newline, short enough.
    public static func isSendable(_ token: String, maxMessageLength: Int = defaultMaxMessageLength) -> Bool {
        let utf8 = token.utf8
        return !utf8.isEmpty && utf8.count + 1 <= maxMessageLength && !utf8.contains(0x0A)
    }

    /// Returns the token of one message payload (the bytes after the length prefix): the payload without its trailing
    /// newline. Bytes that are not UTF-8 are repaired (they can match no protocol id, so they are refused with `na`).
    public static func token(ofPayload payload: [UInt8]) throws(MultistreamError) -> String {
        guard let last = payload.last, last == 0x0A else { throw .missingNewline }
        return String(decoding: payload.dropLast(), as: UTF8.self)
    }

    /// Returns the body of the listener's answer to `ls`: one message whose payload is the framed protocols followed
    /// by a newline (go-multistream, rust-libp2p). Protocols that do not fit in `maxMessageLength` are left out.
    public static func encodeList(_ protocols: [String], maxMessageLength: Int = defaultMaxMessageLength) -> [UInt8] {
        var inner: [UInt8] = []
        for name in protocols where isSendable(name, maxMessageLength: maxMessageLength) {
            var entry: [UInt8] = []
            append(name, to: &entry)
            if inner.count + entry.count + 1 > maxMessageLength { break }
            inner += entry
        }
        inner.append(0x0A)
        return LengthPrefixedFramer.frame(inner)
    }

    /// Parses the payload of an `ls` answer (the bytes after the outer length prefix) into protocol ids.
    public static func decodeList(payload: [UInt8]) throws(MultistreamError) -> [String] {
        guard payload.last == 0x0A else { throw .missingNewline }
        var framer = LengthPrefixedFramer(maxFrameSize: payload.count)
        framer.append(payload.dropLast())
        var protocols: [String] = []
        while true {
            let frame: [UInt8]?
            do throws(WireError) {
                frame = try framer.nextFrame()
            } catch {
                throw MultistreamError(error, limit: payload.count)
            }
            guard let frame else { break }
            protocols.append(try token(ofPayload: frame))
        }
        guard framer.bufferedByteCount == 0 else { throw .invalidLengthPrefix }
        return protocols
    }
}
