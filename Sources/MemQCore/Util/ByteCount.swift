/// A number of bytes: parsed from what users type, formatted in binary units (or SI units when asked).
///
/// Parsing (`ByteCount(parsing:)`), case-insensitive, spaces allowed between number and unit:
/// - a whole number of bytes: `25769803776` (`_` may group digits: `25_769_803_776`), optionally with `B`;
/// - a number (decimals allowed) with a binary unit, powers of 1024: `KiB MiB GiB TiB PiB EiB`, or the short
///   forms `Ki Mi Gi Ti Pi Ei` (Kubernetes): `24GiB` is 24 * 2^30 = 25,769,803,776 bytes, `1.5TiB`, `512MiB`;
/// - a number with an SI unit, powers of 1000: `kB MB GB TB PB EB`: `24GB` is 24,000,000,000 bytes.
///
/// A bare `K`, `M`, `G`, `T`, `P` or `E` is rejected as ambiguous: `free -g`, Docker and most GPU tools mean
/// 2^30 by `G`, Kubernetes and storage vendors 10^9, and the two differ by 7% at a gigabyte. Fractions are
/// rounded to the nearest byte; a fraction of a single byte (`1.5B`) is rejected.
///
/// Formatting (`formatted(_:)`): below one kibibyte the exact count (`980 B`); otherwise the largest unit
/// whose value is at least 1, with two decimals below 10 and one from 10 up (`1.23 GiB`, `512.0 MiB`).
public struct ByteCount: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The count; negative values are allowed for differences (headroom, error), never parsed.
    public var bytes: Int

    /// Wraps a byte count.
    public init(_ bytes: Int) { self.bytes = bytes }

    /// Which powers name the units when formatting.
    public enum Units: String, Sendable, Hashable, CaseIterable {
        /// Powers of 1024: KiB, MiB, GiB, TiB, PiB, EiB (how memory is sized; MemQ's default).
        case binary
        /// Powers of 1000: kB, MB, GB, TB, PB, EB (how disks and some spec sheets are sized).
        case si

        var base: Int { self == .binary ? 1024 : 1000 }
        var names: [String] {
            self == .binary ? ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] : ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        }
    }

    /// Why a text is not a byte count. Every message says what would be valid.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing but whitespace.
        case empty
        /// Not a number followed by an optional unit.
        case malformed(String)
        /// A bare `G` (and kin), which means 2^30 to some tools and 10^9 to others.
        case ambiguousUnit(String, unit: String)
        /// A unit MemQ does not know.
        case unknownUnit(String, unit: String)
        /// A minus sign.
        case negative(String)
        /// More than `Int.max` bytes.
        case tooLarge(String)
        /// A fraction of a byte (`1.5B`, `100.5`).
        case fractionalBytes(String)

        /// The forms `ByteCount(parsing:)` accepts, for messages and help texts.
        public static let validForms =
            "a whole number of bytes (25769803776) or a number with a unit: KiB, MiB, GiB, TiB (powers of 1024) " +
            "or kB, MB, GB, TB (powers of 1000), e.g. 24GiB, 512MiB, 1.5TiB, 40GB"

        public var description: String {
            switch self {
            case .empty:
                "empty memory size; expected \(Self.validForms)"
            case .malformed(let text):
                "'\(text)' is not a memory size; expected \(Self.validForms)"
            case .ambiguousUnit(let text, let unit):
                "'\(text)': unit '\(unit)' is ambiguous; write \(unit.uppercased())iB for powers of 1024 or \(unit.uppercased())B for powers of 1000"
            case .unknownUnit(let text, let unit):
                "'\(text)': unknown unit '\(unit)'; expected \(Self.validForms)"
            case .negative(let text):
                "'\(text)': a memory size must not be negative"
            case .tooLarge(let text):
                "'\(text)' is too large; at most \(Int.max) bytes (8 EiB)"
            case .fractionalBytes(let text):
                "'\(text)': a number of bytes must be whole; use a larger unit (KiB, MiB, GiB) for fractions"
            }
        }
    }

    /// Parses `24GiB`, `24GB`, `512 MiB`, `1.5TiB`, `25769803776` (see the type's documentation).
    /// - Throws: `ByteCount.ParseError` naming the text and the valid forms.
    public init(parsing text: String) throws(ParseError) {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        guard !trimmed.isEmpty else { throw .empty }
        try self.init(trimmed: String(trimmed))
    }

    private init(trimmed: String) throws(ParseError) {
        if trimmed.hasPrefix("-") { throw .negative(trimmed) }
        let body = trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)

        // number: digits (with `_` grouping) and an optional fraction; then an optional unit.
        let numberEnd = body.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "_")) }) ?? body.endIndex
        let number = body[..<numberEnd]
        let unitText = String(body[numberEnd...].drop(while: \.isWhitespace))
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first else { throw .malformed(trimmed) }
        let integerDigits = whole.filter { $0 != "_" }
        let fractionDigits = parts.count == 2 ? String(parts[1]) : ""
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty,
              !whole.hasPrefix("_"), !whole.hasSuffix("_"), !whole.contains("__"),
              fractionDigits.allSatisfy(\.isNumber),
              unitText.allSatisfy(\.isLetter) else {
            throw .malformed(trimmed)
        }
        let unit = try Self.unitSize(unitText, text: trimmed)

        // value = integer * unit + round(fraction * unit / 10^k), exactly, in 64 bits.
        guard let integer = UInt64(integerDigits.isEmpty ? "0" : String(integerDigits)) else { throw .tooLarge(trimmed) }
        let (scaled, overflow) = integer.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw .tooLarge(trimmed) }
        var fractionBytes: UInt64 = 0
        let significant = fractionDigits.prefix(18)  // 10^18 < 2^63: more digits cannot change a byte
        if !significant.isEmpty, significant.contains(where: { $0 != "0" }) {
            guard unit > 1 else { throw .fractionalBytes(trimmed) }
            let numerator = UInt64(significant)!
            var denominator: UInt64 = 1
            for _ in significant { denominator *= 10 }
            let (quotient, remainder) = denominator.dividingFullWidth(numerator.multipliedFullWidth(by: unit))
            fractionBytes = quotient + (remainder >= denominator - remainder ? 1 : 0)
        }
        let (total, carry) = scaled.addingReportingOverflow(fractionBytes)
        guard !carry, total <= UInt64(Int.max) else { throw .tooLarge(trimmed) }
        self.bytes = Int(total)
    }

    /// Bytes in one `unit` (case-insensitive); throws for ambiguous and unknown units.
    private static func unitSize(_ unit: String, text: String) throws(ParseError) -> UInt64 {
        let prefixes: [Character] = ["k", "m", "g", "t", "p", "e"]
        let lower = unit.lowercased()
        if lower.isEmpty || lower == "b" { return 1 }
        guard let first = lower.first, let power = prefixes.firstIndex(of: first) else {
            throw .unknownUnit(text, unit: unit)
        }
        let rest = lower.dropFirst()
        switch rest {
        case "ib", "i": return UInt64(1) << (10 * UInt64(power + 1))
        case "b":
            var size: UInt64 = 1
            for _ in 0...power { size *= 1000 }
            return size
        case "": throw .ambiguousUnit(text, unit: unit)
        default: throw .unknownUnit(text, unit: unit)
        }
    }

    /// The count in `units`: `980 B`, `1.23 GiB`, `512.0 MiB` (binary), `1.32 GB` (SI); negative counts get a sign.
    public func formatted(_ units: Units = .binary) -> String {
        let sign = bytes < 0 ? "-" : ""
        let magnitude = bytes.magnitude
        let base = UInt(units.base)
        guard magnitude >= base else { return "\(sign)\(magnitude) B" }
        var exponent = 0
        var scale: UInt = 1
        while exponent < units.names.count - 1, magnitude / scale >= base {
            scale *= base
            exponent += 1
        }
        var value = Double(magnitude) / Double(scale)
        // Rounding can carry into the next unit: 1023.96 MiB prints as 1.00 GiB, not 1024.0 MiB.
        if (value * 10).rounded() / 10 >= Double(base), exponent < units.names.count - 1 {
            value /= Double(base)
            exponent += 1
        }
        let decimals = value < 9.995 ? 2 : 1
        let factor = decimals == 2 ? 100 : 10
        let scaled = Int((value * Double(factor)).rounded())
        let fraction = String(scaled % factor)
        let padded = String(repeating: "0", count: decimals - fraction.count) + fraction
        return "\(sign)\(scaled / factor).\(padded) \(units.names[exponent])"
    }

    /// `formatted(.binary)`.
    public var description: String { formatted() }

    public static func < (a: Self, b: Self) -> Bool { a.bytes < b.bytes }

    /// Decodes a plain JSON integer.
    public init(from decoder: Decoder) throws {
        bytes = try decoder.singleValueContainer().decode(Int.self)
    }

    /// Encodes as a plain JSON integer.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(bytes)
    }
}
