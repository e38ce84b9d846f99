import MemQCore

/// Python pickle, protocol 4, of plain values (dicts with string keys, lists, strings, integers, floats, booleans,
/// None) — what PyTorch's memory viewer reads (torch/utils/viz/MemoryViz.js has its own unpickler, which rejects
/// protocol 5). Opcodes as Python's Lib/pickle.py defines them; no FRAME and no memo (both optional: Python's
/// `pickle.loads` reads a protocol-4 stream without them), so the writer is one pass.
public enum PickleWriter {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = [0x80, 4]  // PROTO 4
        write(value, &out)
        out.append(UInt8(ascii: "."))  // STOP
        return out
    }

    static func write(_ value: JSONValue, _ out: inout [UInt8]) {
        switch value {
        case .null: out.append(UInt8(ascii: "N"))
        case .bool(let b): out.append(b ? 0x88 : 0x89)  // NEWTRUE, NEWFALSE
        case .int(let i): int(i, &out)
        case .double(let d):
            out.append(UInt8(ascii: "G"))  // BINFLOAT, big-endian
            let bits = d.bitPattern
            for k in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
        case .string(let s): string(s, &out)
        case .array(let items):
            out.append(UInt8(ascii: "]"))  // EMPTY_LIST
            for chunk in stride(from: 0, to: items.count, by: 1000) {
                out.append(UInt8(ascii: "("))  // MARK
                for item in items[chunk..<min(items.count, chunk + 1000)] { write(item, &out) }
                out.append(UInt8(ascii: "e"))  // APPENDS
            }
        case .object(let o):
            out.append(UInt8(ascii: "}"))  // EMPTY_DICT
            let keys = o.keys.sorted()
            for chunk in stride(from: 0, to: keys.count, by: 1000) {
                out.append(UInt8(ascii: "("))
                for k in keys[chunk..<min(keys.count, chunk + 1000)] {
                    string(k, &out)
                    write(o[k]!, &out)
                }
                out.append(UInt8(ascii: "u"))  // SETITEMS
            }
        }
    }

    /// BININT1, BININT2 or BININT (4-byte signed) when it fits, else LONG1 (little-endian two's complement).
    static func int(_ i: Int, _ out: inout [UInt8]) {
        if i >= 0 && i < 256 {
            out.append(UInt8(ascii: "K")); out.append(UInt8(i))
        } else if i >= 0 && i < 65536 {
            out.append(UInt8(ascii: "M")); out.append(UInt8(i & 0xff)); out.append(UInt8(i >> 8))
        } else if i >= Int(Int32.min) && i <= Int(Int32.max) {
            out.append(UInt8(ascii: "J"))
            let u = UInt32(bitPattern: Int32(i))
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: u >> (8 * UInt32(k)))) }
        } else {
            var bytes: [UInt8] = []
            var v = i
            repeat {
                bytes.append(UInt8(truncatingIfNeeded: v))
                v >>= 8
            } while !(v == 0 && bytes.last! & 0x80 == 0) && !(v == -1 && bytes.last! & 0x80 != 0)
            out.append(0x8a); out.append(UInt8(bytes.count))  // LONG1
            out += bytes
        }
    }

    /// SHORT_BINUNICODE below 256 bytes of UTF-8, else BINUNICODE.
    static func string(_ s: String, _ out: inout [UInt8]) {
        let utf8 = Array(s.utf8)
        if utf8.count < 256 {
            out.append(0x8c); out.append(UInt8(utf8.count))
        } else {
            out.append(UInt8(ascii: "X"))
            let n = UInt32(utf8.count)
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt32(k)))) }
        }
        out += utf8
    }
}
