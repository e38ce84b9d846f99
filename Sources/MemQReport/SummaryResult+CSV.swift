extension SummaryResult {
    /// The CSV column names, in order; figures are plain integers (bytes, counts) for spreadsheets.
    public static let csvHeader = [
        "name", "op", "output_shape", "params", "trainable", "buffers", "macs", "flops_exact", "output_bytes",
        "memory_access_bytes", "block",
    ]

    /// A header line and one line per layer; the output shape is written `1x64x112x112` (batch first).
    public func renderCSV() -> String {
        CSVWriter.table(header: Self.csvHeader, rows: layers.map { layer in
            [layer.name, layer.op, layer.outputShape.map(String.init).joined(separator: "x"), String(layer.params),
             String(layer.trainable), String(layer.buffers), String(layer.macs), String(layer.flopsExact),
             String(layer.outputBytes), String(layer.memoryAccessBytes), layer.block ?? ""]
        })
    }
}
