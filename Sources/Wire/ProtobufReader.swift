/// Iterates the fields of one protobuf message.
///
/// The reader knows no schema: it yields every field in input order and the caller picks the
/// ones it knows, ignoring the rest (protobuf's "skip unknown fields" rule). It rejects groups
/// (wire types 3 and 4), reserved wire types 6 and 7, field number 0, varints over 10 bytes and
/// lengths running past the end of the message.
///
/// ```swift
/// var reader = try ProtobufReader(bytes, maxMessageSize: 4096)
/// while let field = try reader.next() {
///     switch field.number {
///     case 1: type = try field.varint()
///     default: continue
///     }
/// }
/// ```
public struct ProtobufReader: Sendable {
    /// The largest field number protobuf allows.
    public static let maxFieldNumber: UInt32 = (1 << 29) - 1

    private var reader: ByteReader

    /// Creates a reader over one whole message.
    /// - Parameter maxMessageSize: the largest message accepted; larger input throws
    ///   ``WireError/inputTooLarge(limit:)`` before anything is read.
    public init(_ bytes: [UInt8], maxMessageSize: Int) throws(WireError) {
        guard bytes.count <= maxMessageSize else { throw .inputTooLarge(limit: maxMessageSize) }
        self.reader = ByteReader(bytes)
    }

    /// Whether every field has been read.
    public var isAtEnd: Bool { reader.isAtEnd }

    /// Reads the next field, or returns `nil` at the end of the message.
    public mutating func next() throws(WireError) -> ProtobufField? {
        if reader.isAtEnd { return nil }
        let tag = try reader.readProtobufVarint()
        let fieldNumber = tag >> 3
        guard fieldNumber >= 1, fieldNumber <= UInt64(Self.maxFieldNumber) else { throw .invalidFieldNumber }
        let number = UInt32(truncatingIfNeeded: fieldNumber)
        let rawWireType = UInt8(truncatingIfNeeded: tag & 0x7)
        guard let wireType = ProtobufWireType(rawValue: rawWireType) else { throw .unsupportedWireType(rawWireType) }
        switch wireType {
        case .varint:
            return ProtobufField(number: number, value: .varint(try reader.readProtobufVarint()))
        case .fixed64:
            return ProtobufField(number: number, value: .fixed64(try reader.readUInt64LE()))
        case .fixed32:
            return ProtobufField(number: number, value: .fixed32(try reader.readUInt32LE()))
        case .lengthDelimited:
            let declared = try reader.readProtobufVarint()
            guard let length = Int(exactly: declared), length <= reader.remaining else { throw .truncated }
            return ProtobufField(number: number, value: .lengthDelimited(try reader.readBytes(length)))
        case .startGroup, .endGroup:
            throw .unsupportedWireType(rawWireType)
        }
    }

    /// Reads every remaining field.
    public mutating func readAll() throws(WireError) -> [ProtobufField] {
        var fields: [ProtobufField] = []
        while let field = try next() { fields.append(field) }
        return fields
    }
}
