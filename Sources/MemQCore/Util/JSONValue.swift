import Foundation

/// A JSON document as a value, so readers can report the exact field and type at fault.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text.
    /// - Throws: `ModelError.invalidJSON` with the reason and its line and column.
    public static func parse(_ data: Data) throws(ModelError) -> JSONValue {
        var parser = JSONParser(data)
        return try parser.parseDocument()
    }

    /// Parses JSON text given as bytes (a ZeroMQ frame), without a copy into `Data`.
    /// - Throws: `ModelError.invalidJSON` with the reason and its line and column.
    public static func parse(bytes: [UInt8]) throws(ModelError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    /// Serialises with sorted keys; pretty-printed when asked.
    public func serialized(pretty: Bool = false) -> Data {
        Data(JSONWriter.write(self, pretty: pretty))
    }

    /// The bytes of `serialized(pretty:)` (a ZeroMQ frame), without a copy through `Data`.
    public func bytes(pretty: Bool = false) -> [UInt8] {
        JSONWriter.write(self, pretty: pretty)
    }

    /// The text of `serialized(pretty:)`.
    public func text(pretty: Bool = false) -> String {
        String(decoding: JSONWriter.write(self, pretty: pretty), as: UTF8.self)
    }

    /// A short name of the value's JSON type, for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { o[key] } else { nil }
    }
}
