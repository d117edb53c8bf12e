import Identify

/// Identify: the message codec.
public enum IdentifyHarness {
    /// `IdentifyMessage(bytes:)`: a decoded message re-encodes to a message that decodes equal, no longer than the
    /// input; merging it into an empty message gives it back.
    public static func message(_ bytes: [UInt8], check: FuzzCheck) {
        guard let message = try? IdentifyMessage(bytes: bytes) else { return }
        let encoded = message.bytes
        check((try? IdentifyMessage(bytes: encoded)) == message, "identify re-decodes differently")
        check(encoded.count <= bytes.count, "re-encoding (\(encoded.count)) longer than the input (\(bytes.count))")
        var merged = IdentifyMessage()
        merged.merge(message)
        check(merged == message, "merge into an empty message differs")
    }
}
