/// A fraction as users type it: `0.03` or `3%`. The one parser of `memq validate --tolerance` (and memqd's
/// `tolerance`) and of `fit`'s margin; each caller checks its own range.
public enum Fraction {
    /// `"0.03"` and `"3%"` give 0.03; spaces around the number and before `%` are ignored.
    /// - Returns: nil for anything else (`""`, `"%"`, `"3 percent"`) and for a value that is not finite (`nan`, `inf`).
    public static func parse(_ text: String) -> Double? {
        var t = Substring(text).trimmingSpaces
        var scale = 1.0
        if t.hasSuffix("%") {
            t = t.dropLast().trimmingSpaces
            scale = 100
        }
        guard let value = Double(t), value.isFinite else { return nil }
        return value / scale
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
