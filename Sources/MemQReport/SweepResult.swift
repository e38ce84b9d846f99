import MemQCore

/// `memq sweep`: estimates over a grid of batches, dtypes and optimizers. JSON: `{"rows": [estimate, ...]}`.
public struct SweepResult: ReportRenderable, Hashable {
    public var rows: [EstimateResult]

    public init(rows: [EstimateResult]) { self.rows = rows }

    /// One line per configuration: peak, phase, dominant category, and whether it fits the GPU when one is given.
    public func renderText() -> String {
        guard let first = rows.first else { return "no configurations\n" }
        var out = "\(first.model)  input \(first.inputShape.map(String.init).joined(separator: "x"))  runtime \(first.runtime)"
        out += first.gpu.map { "  gpu \($0) (\(ByteCount(first.gpuMemoryBytes ?? 0).formatted()))" } ?? ""
        out += "  method \(first.method)\n"
        var columns: [(title: String, alignment: TextTable.Alignment)] = [("batch", .right), ("dtype", .left), ("optimizer", .left),
                                                                          ("peak", .right), ("peak bytes", .right), ("at", .left), ("dominant", .left)]
        if first.fits != nil { columns.append(("fits", .left)) }
        if first.speed != nil { columns += [("step time", .right), ("samples/s", .right)] }
        var table = TextTable(columns: columns)
        for r in rows {
            var cells = [String(r.batch), r.dtype, r.optimizer, ByteCount(r.peakBytes).formatted(), NumberFormatting.grouped(r.peakBytes),
                         r.peakAt.phase, r.dominant]
            if let fits = r.fits { cells.append(fits ? "yes" : "no") }
            if let s = r.speed { cells += [s.stepText, s.samplesText] }
            table.rows.append(cells)
        }
        out += table.rendered()
        out += "Memory in binary units (1 GiB = 2^30 bytes).\n"
        if let s = first.speed { out += "Step time: roofline estimate on \(s.device) (memq latency --train; docs/latency.md).\n" }
        return out
    }

    public func renderCSV() -> String {
        guard rows.first?.speed != nil else { return CSVWriter.table(header: EstimateResult.csvHeader, rows: rows.map(\.csvRow)) }
        return CSVWriter.table(header: EstimateResult.csvHeader + ["speed_device", "step_seconds", "samples_per_second"],
                               rows: rows.map { r in
                                   r.csvRow + [r.speed?.device ?? "", r.speed.map { String($0.stepSeconds) } ?? "",
                                               r.speed.map { String($0.samplesPerSecond) } ?? ""]
                               })
    }
}
