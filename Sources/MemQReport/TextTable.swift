/// An aligned plain-text table: a header row, a rule, body rows, and optional footer rows (totals) below a
/// second rule. Widths follow the longest cell; numbers are right-aligned by their column's alignment.
public struct TextTable: Sendable {
    /// Where a column's cells sit in its width.
    public enum Alignment: Sendable { case left, right }

    /// Column titles and their alignment.
    public var columns: [(title: String, alignment: Alignment)]
    /// Body rows, one cell per column.
    public var rows: [[String]] = []
    /// Rows under the body (totals), set off by a rule.
    public var footer: [[String]] = []

    /// A table with these columns and no rows yet.
    public init(columns: [(title: String, alignment: Alignment)]) { self.columns = columns }

    /// The table, each line ending in a newline, without trailing spaces.
    public func rendered() -> String {
        let all = [columns.map(\.title)] + rows + footer
        var widths = [Int](repeating: 0, count: columns.count)
        for row in all {
            precondition(row.count == columns.count, "a table row has \(row.count) cells for \(columns.count) columns")
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * max(0, widths.count - 1)) + "\n"
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i > 0 { text += "  " }
                text += columns[i].alignment == .right ? pad + cell : cell + pad
            }
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        var out = line(columns.map(\.title)) + rule
        for row in rows { out += line(row) }
        if !footer.isEmpty {
            out += rule
            for row in footer { out += line(row) }
        }
        return out
    }
}
