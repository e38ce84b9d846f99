extension ModelsResult {
    /// The aligned table: name, family, default input, parameters and MACs per sample, then a count.
    public func renderText() -> String {
        var table = TextTable(columns: [("Model", .left), ("Family", .left), ("Input", .left), ("Params", .right),
                                        ("MACs", .right), ("", .left)])
        for entry in models {
            table.rows.append([
                entry.name, entry.family, entry.inputShape.map(String.init).joined(separator: "x"),
                entry.params.map(NumberFormatting.grouped) ?? "-", entry.macs.map(NumberFormatting.grouped) ?? "-",
                entry.macs.map { "(" + NumberFormatting.compact($0) + "MACs)" } ?? "error: " + (entry.error ?? ""),
            ])
        }
        let families = Set(models.map(\.family)).count
        return table.rendered() + "\n\(models.count) models in \(families) families; MACs for one sample at the input shown. "
            + "Details: memq summary MODEL [--input CxHxW] [--batch N]\n"
    }
}
