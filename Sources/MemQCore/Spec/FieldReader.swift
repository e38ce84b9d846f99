/// Reads typed fields of one JSON object, naming the node and field in every error, and rejects unknown fields.
struct FieldReader {
    let node: String
    let object: [String: JSONValue]
    private(set) var used: Set<String> = []

    /// Largest integer accepted in a spec: sizes beyond this are typos, not networks.
    static let maxInteger = 1 << 30

    init(node: String, object: [String: JSONValue], alreadyUsed: Set<String> = []) {
        self.node = node; self.object = object; self.used = alreadyUsed
    }

    mutating func has(_ key: String) -> Bool { object[key] != nil && object[key] != .null }

    mutating func int(_ key: String) throws(ModelError) -> Int {
        guard let v = try optionalInt(key) else { throw .missingField(node: node, field: key) }
        return v
    }

    mutating func int(_ key: String, default value: Int) throws(ModelError) -> Int { try optionalInt(key) ?? value }

    mutating func optionalInt(_ key: String) throws(ModelError) -> Int? {
        used.insert(key)
        guard let v = object[key], v != .null else { return nil }
        return try integer(v, field: key)
    }

    private func integer(_ v: JSONValue, field: String) throws(ModelError) -> Int {
        let i: Int
        switch v {
        case .int(let x): i = x
        case .double(let d) where d.rounded() == d && abs(d) <= Double(Self.maxInteger): i = Int(d)
        case .double(let d) where d.rounded() == d:
            throw .invalidValue(node: node, field: field, message: "\(d) is too large; at most \(Self.maxInteger)")
        default: throw .wrongType(node: node, field: field, expected: "an integer, got \(v.typeName)")
        }
        guard abs(i) <= Self.maxInteger else {
            throw .invalidValue(node: node, field: field, message: "\(i) is too large; at most \(Self.maxInteger)")
        }
        return i
    }

    /// An integer or a two-element array `[h, w]`.
    mutating func pair(_ key: String, default value: Pair? = nil) throws(ModelError) -> Pair {
        used.insert(key)
        guard let v = object[key], v != .null else {
            if let value { return value }
            throw .missingField(node: node, field: key)
        }
        if case .array(let items) = v {
            guard items.count == 2 else {
                throw .invalidValue(node: node, field: key, message: "expected one integer or two [h, w], got \(items.count) values")
            }
            return Pair(try integer(items[0], field: "\(key)[0]"), try integer(items[1], field: "\(key)[1]"))
        }
        return Pair(try integer(v, field: key))
    }

    mutating func intArray(_ key: String) throws(ModelError) -> [Int] {
        guard let v = try optionalIntArray(key) else { throw .missingField(node: node, field: key) }
        return v
    }

    mutating func optionalIntArray(_ key: String) throws(ModelError) -> [Int]? {
        used.insert(key)
        guard let v = object[key], v != .null else { return nil }
        guard case .array(let items) = v else {
            throw .wrongType(node: node, field: key, expected: "an array of integers, got \(v.typeName)")
        }
        var out: [Int] = []
        for (i, item) in items.enumerated() { out.append(try integer(item, field: "\(key)[\(i)]")) }
        return out
    }

    mutating func bool(_ key: String, default value: Bool) throws(ModelError) -> Bool {
        used.insert(key)
        guard let v = object[key], v != .null else { return value }
        guard case .bool(let b) = v else { throw .wrongType(node: node, field: key, expected: "true or false, got \(v.typeName)") }
        return b
    }

    mutating func double(_ key: String, default value: Double) throws(ModelError) -> Double {
        used.insert(key)
        guard let v = object[key], v != .null else { return value }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw .wrongType(node: node, field: key, expected: "a number, got \(v.typeName)")
        }
    }

    mutating func optionalString(_ key: String) throws(ModelError) -> String? {
        used.insert(key)
        guard let v = object[key], v != .null else { return nil }
        guard case .string(let s) = v else { throw .wrongType(node: node, field: key, expected: "a string, got \(v.typeName)") }
        return s
    }

    mutating func raw(_ key: String) -> JSONValue? {
        used.insert(key)
        return object[key]
    }

    /// Fails on a field no rule read, listing the fields the op knows.
    func finish(op: String) throws(ModelError) {
        let unknown = Set(object.keys).subtracting(used).sorted()
        guard let first = unknown.first else { return }
        let known = used.subtracting(["name", "op", "inputs", "input", "trainable", "block"]).sorted()
        throw .invalidValue(node: node, field: first,
                            message: "unknown field for \(op); its fields are \(known.isEmpty ? "none" : known.joined(separator: ", ")) (and name, op, inputs, trainable)")
    }
}
