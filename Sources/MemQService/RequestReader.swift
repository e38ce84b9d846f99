import Foundation
import MemQCore
import MemQWire

/// Reads a request body's fields — the CLI's option names as keys — with errors naming the field and what is
/// valid (status 400), so the daemon and the CLI reject bad input with the same words.
package struct RequestReader {
    package let body: [String: JSONValue]
    private var used: Set<String> = []

    /// Whether some key is spelled with `_` or in camel case (else `raw` looks a key up as given, without building its
    /// other spellings: most bodies use the CLI's names).
    private let hasOtherSpellings: Bool

    package init(_ json: JSONValue) throws(WireError) {
        guard case .object(let o) = json else {
            throw .invalidField("body", "the body must be a JSON object with the command's options as keys, got \(json.typeName)")
        }
        body = o
        hasOtherSpellings = o.keys.contains { k in k.utf8.contains { $0 == UInt8(ascii: "_") || ($0 >= 65 && $0 <= 90) } }
    }

    /// The value of `key`, accepting `micro-batch`, `micro_batch` and `microBatch` alike.
    package mutating func raw(_ key: String) -> JSONValue? {
        if !hasOtherSpellings {
            guard let v = body[key] else { return nil }
            used.insert(key)
            return v == .null ? nil : v
        }
        for k in Self.spellings(key) {
            guard let v = body[k] else { continue }
            used.insert(k)
            if v != .null { return v }
        }
        return nil
    }

    /// `key` as given, with `_` for `-`, and in camel case (ASCII option names; no Foundation on this path: the
    /// daemon reads a dozen options per request).
    static func spellings(_ key: String) -> [String] {
        let dash = UInt8(ascii: "-")
        guard key.utf8.contains(dash) else { return [key] }
        var snake: [UInt8] = [], camel: [UInt8] = []
        snake.reserveCapacity(key.utf8.count)
        camel.reserveCapacity(key.utf8.count)
        var upper = false
        for byte in key.utf8 {
            if byte == dash {
                snake.append(UInt8(ascii: "_"))
                upper = true
                continue
            }
            snake.append(byte)
            camel.append(upper && byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
            upper = false
        }
        return [key, String(decoding: snake, as: UTF8.self), String(decoding: camel, as: UTF8.self)]
    }

    package mutating func string(_ key: String) throws(WireError) -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else { throw .invalidField(key, "'\(key)' must be a string, got \(v.typeName)") }
        return s
    }

    package mutating func int(_ key: String) throws(WireError) -> Int? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        case .string(let s) where Int(s) != nil: return Int(s)
        default: throw .invalidField(key, "'\(key)' must be an integer, got \(v.typeName)")
        }
    }

    /// A number (an integer, a fraction, or a string holding one).
    package mutating func double(_ key: String) throws(WireError) -> Double? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .double(let d) where d.isFinite: return d
        case .string(let s) where Double(s)?.isFinite == true: return Double(s)
        default: throw .invalidField(key, "'\(key)' must be a number, got \(v.typeName)")
        }
    }

    /// `true`/`false`, also as the strings `"true"`/`"false"` (the CLI's `--reshard-after-forward false`).
    package mutating func bool(_ key: String) throws(WireError) -> Bool? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .bool(let b): return b
        case .string(let s) where ["true", "false"].contains(s.lowercased()): return s.lowercased() == "true"
        default: throw .invalidField(key, "'\(key)' must be true or false, got \(v.typeName)")
        }
    }

    /// A list given as a JSON array or a comma-separated string.
    package mutating func stringList(_ key: String) throws(WireError) -> [String]? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .string(let s): return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .array(let items):
            var out: [String] = []
            for item in items {
                switch item {
                case .string(let s): out.append(s)
                case .int(let i): out.append(String(i))
                default: throw .invalidField(key, "'\(key)' must list strings, got \(item.typeName)")
                }
            }
            return out
        case .int(let i): return [String(i)]
        default: throw .invalidField(key, "'\(key)' must be a string or an array, got \(v.typeName)")
        }
    }

    /// Rejects keys no reader asked for (a typo must not be silently ignored).
    package func finish(command: String) throws(WireError) {
        // `used` holds only keys present in the body: equal counts mean every key was read.
        if used.count == body.count { return }
        if let unknown = Set(body.keys).subtracting(used).sorted().first {
            throw .invalidField(unknown, "unknown option '\(unknown)' for \(command); see `memq \(command) --help` for the options")
        }
    }
}
