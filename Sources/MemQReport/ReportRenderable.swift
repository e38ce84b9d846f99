/// A result that renders as a table, JSON and CSV. The daemon sends the JSON; a client decodes it and renders the
/// same text as the embedded CLI, because rendering reads only the result's stored fields.
public protocol ReportRenderable: Codable, Sendable {
    /// The aligned text table with its header and totals, ending in a newline.
    func renderText() -> String
    /// CSV with a header row, ending in a newline.
    func renderCSV() -> String
}

extension ReportRenderable {
    /// Pretty-printed JSON (`ResultJSON.encode`), ending in a newline.
    public func renderJSON() -> String { ResultJSON.encode(self) + "\n" }

    /// The result in `format`.
    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .text: renderText()
        case .json: renderJSON()
        case .csv: renderCSV()
        }
    }
}
