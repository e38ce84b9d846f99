import Foundation

/// Writes RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled; lines end in `\n`.
public enum CSVWriter {
    /// One line of fields, with its newline.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\n"
    }

    /// A whole table: the header, then one line per row.
    public static func table(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(line).joined()
    }

    private static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
