extension ModelsResult {
    /// The CSV column names, in order.
    public static let csvHeader = ["name", "family", "input_shape", "params", "macs", "error"]

    /// A header line and one line per model; the input is written `3x224x224`, missing figures as empty fields.
    public func renderCSV() -> String {
        CSVWriter.table(header: Self.csvHeader, rows: models.map { entry in
            [entry.name, entry.family, entry.inputShape.map(String.init).joined(separator: "x"),
             entry.params.map(String.init) ?? "", entry.macs.map(String.init) ?? "", entry.error ?? ""]
        })
    }
}
