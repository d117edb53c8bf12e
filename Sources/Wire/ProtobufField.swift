/// One decoded protobuf field: its number and its value.
public struct ProtobufField: Equatable, Sendable {
    /// The field number from the tag (1 ... 2^29 - 1).
    public var number: UInt32
    /// The field's value, tagged by wire type.
    public var value: Value

    /// A field value, one case per supported wire type.
    public enum Value: Equatable, Sendable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited([UInt8])
        case fixed32(UInt32)
    }

    /// Creates a field.
    public init(number: UInt32, value: Value) {
        self.number = number
        self.value = value
    }

    /// The wire type the value was (or will be) encoded with.
    public var wireType: ProtobufWireType {
        switch value {
        case .varint: .varint
        case .fixed64: .fixed64
        case .lengthDelimited: .lengthDelimited
        case .fixed32: .fixed32
        }
    }

    /// The value of a varint field.
    /// - Throws: ``WireError/unexpectedWireType(field:)`` for any other wire type.
    public func varint() throws(WireError) -> UInt64 {
        guard case .varint(let v) = value else { throw .unexpectedWireType(field: number) }
        return v
    }

    /// The value of a bool field (any non-zero varint is `true`, as protobuf decoders do).
    public func bool() throws(WireError) -> Bool {
        try varint() != 0
    }

    /// The payload of a length-delimited field (bytes, string or embedded message).
    public func bytes() throws(WireError) -> [UInt8] {
        guard case .lengthDelimited(let b) = value else { throw .unexpectedWireType(field: number) }
        return b
    }

    /// The payload of a string field, validated as UTF-8.
    public func string() throws(WireError) -> String {
        let b = try bytes()
        guard let s = String(validating: b, as: UTF8.self) else { throw .invalidUTF8 }
        return s
    }

    /// The value of a fixed32 field.
    public func fixed32() throws(WireError) -> UInt32 {
        guard case .fixed32(let v) = value else { throw .unexpectedWireType(field: number) }
        return v
    }

    /// The value of a fixed64 field.
    public func fixed64() throws(WireError) -> UInt64 {
        guard case .fixed64(let v) = value else { throw .unexpectedWireType(field: number) }
        return v
    }
}
