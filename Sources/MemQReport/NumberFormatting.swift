/// How reports write counts: exact with thousands separators, or short with an SI prefix.
public enum NumberFormatting {
    /// `1234567` as `1,234,567` (`-1,234` for negatives).
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// `4089184256` as `4.09 G`: three significant digits and an SI prefix (k, M, G, T, P, E); below 1000 exact.
    public static func compact(_ value: Int) -> String {
        let prefixes = ["", "k", "M", "G", "T", "P", "E"]
        let magnitude = Double(value.magnitude)
        guard magnitude >= 1000 else { return String(value) }
        var exponent = 0
        var scaled = magnitude
        while scaled >= 999.5, exponent < prefixes.count - 1 {
            scaled /= 1000
            exponent += 1
        }
        let decimals = scaled < 9.995 ? 2 : scaled < 99.95 ? 1 : 0
        let factor = [1, 10, 100][decimals]
        let units = Int((scaled * Double(factor)).rounded())
        let fraction = String(units % factor)
        let text = decimals == 0 ? String(units)
            : "\(units / factor)." + String(repeating: "0", count: decimals - fraction.count) + fraction
        return (value < 0 ? "-" : "") + text + " " + prefixes[exponent]
    }
}
