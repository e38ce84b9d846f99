/// Encodes any `Encodable` straight into a `JSONValue` (no text in between), so results can be sent, merged or
/// written without a round trip through `JSONEncoder` and a parser. Optionals that are nil are left out, as
/// `JSONEncoder` does.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let box = Box()
        try value.encode(to: ValueEncoder(box: box, codingPath: []))
        return box.value ?? .null
    }

    /// What an encoder wrote: a scalar, or an array or object filled in place (a container appends to its box, so
    /// encoding n items is O(n), not a copy of the array per item).
    final class Box {
        var stored: JSONValue?
        var array: ArrayBox?
        var object: ObjectBox?
        var value: JSONValue? {
            if let array { return .array(array.items) }
            if let object { return .object(object.fields) }
            return stored
        }
    }

    final class ArrayBox { var items: [JSONValue] = [] }

    private struct ValueEncoder: Encoder {
        let box: Box
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let object = ObjectBox()
            box.object = object; box.array = nil
            return KeyedEncodingContainer(Keyed<Key>(object: object, parent: box, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let array = ArrayBox()
            box.array = array; box.object = nil
            return Unkeyed(array: array, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, codingPath: codingPath) }
    }

    final class ObjectBox { var fields: [String: JSONValue] = [:] }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let object: ObjectBox
        let parent: Box
        var codingPath: [any CodingKey]

        private func set(_ key: Key, _ value: JSONValue) {
            object.fields[key.stringValue] = value
        }

        mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .double(Double(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, .int(Int(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            set(key, try JSONValueEncoder.encode(value))
        }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("nested containers are not used by MemQ's results")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("nested containers are not used by MemQ's results")
        }
        mutating func superEncoder() -> any Encoder { preconditionFailure("superEncoder is not supported") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("superEncoder is not supported") }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let array: ArrayBox
        var codingPath: [any CodingKey]
        var count: Int { array.items.count }

        init(array: ArrayBox, codingPath: [any CodingKey]) { self.array = array; self.codingPath = codingPath }

        private mutating func append(_ v: JSONValue) { array.items.append(v) }

        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.bool(value)) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(.double(value)) }
        mutating func encode(_ value: Int) throws { append(.int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { append(try JSONValueEncoder.encode(value)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("nested containers are not used by MemQ's results")
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            preconditionFailure("nested containers are not used by MemQ's results")
        }
        mutating func superEncoder() -> any Encoder { preconditionFailure("superEncoder is not supported") }
    }

    private struct Single: SingleValueEncodingContainer {
        let box: Box
        var codingPath: [any CodingKey]
        mutating func encodeNil() throws { box.stored = .null }
        mutating func encode(_ value: Bool) throws { box.stored = .bool(value) }
        mutating func encode(_ value: String) throws { box.stored = .string(value) }
        mutating func encode(_ value: Double) throws { box.stored = .double(value) }
        mutating func encode(_ value: Float) throws { box.stored = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { box.stored = .int(value) }
        mutating func encode(_ value: Int8) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: Int16) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: Int32) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: Int64) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: UInt) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: UInt8) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: UInt16) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: UInt32) throws { box.stored = .int(Int(value)) }
        mutating func encode(_ value: UInt64) throws { box.stored = .int(Int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { box.stored = try JSONValueEncoder.encode(value) }
    }
}
