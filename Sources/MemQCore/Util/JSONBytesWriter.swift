/// Writes compact JSON straight into bytes, for results whose shape is fixed (the daemon's hot path): no `JSONValue`
/// tree, no dictionary, no key sorting. The caller writes each object's keys in sorted (UTF-8 byte) order, so the
/// bytes equal `JSONValue.bytes()` of the same value; strings and integers are written by `JSONWriter`'s own code.
public struct JSONBytesWriter {
    /// The text so far.
    public private(set) var bytes: [UInt8] = []
    /// Per open object: whether a member was written (a comma goes before the next).
    private var hasMember: [Bool] = []

    public init() { bytes.reserveCapacity(1024) }

    /// `{`, as a value.
    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
    }

    /// `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        hasMember.removeLast()
    }

    /// A member's key and the colon; the value follows. Keys must come in sorted order.
    public mutating func key(_ key: String) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        JSONWriter.string(key, &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// An integer value.
    public mutating func int(_ value: Int) { JSONWriter.integer(value, &bytes) }

    /// A string value.
    public mutating func string(_ value: String) { JSONWriter.string(value, &bytes) }

    /// `true` or `false`.
    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    /// An array of strings.
    public mutating func strings(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.string(v, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// An array of integers.
    public mutating func ints(_ values: [Int]) {
        bytes.append(UInt8(ascii: "["))
        for (k, value) in values.enumerated() {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.integer(value, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `"key": value` for each (key, integer) pair, in the order given (which must be sorted).
    public mutating func intMembers(_ members: [(key: String, value: Int)]) {
        for member in members {
            key(member.key)
            int(member.value)
        }
    }
}
