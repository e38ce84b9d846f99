import MemQCore

extension SummaryResult {
    /// The aligned table: a header line stating the units, one row per layer, a totals row, then the totals
    /// spelled out (parameters by kind, MACs, both FLOP conventions, bytes).
    public func renderText() -> String {
        let showSaved = layers.contains { $0.savedBytes != nil }
        var columns: [(title: String, alignment: TextTable.Alignment)] = [
            ("Layer", .left), ("Op", .left), ("Output shape", .left), ("Params", .right), ("MACs", .right),
            ("FLOPs (exact)", .right), ("Output", .right), ("Mem. access", .right),
        ]
        if showSaved { columns.append(("Saved for bwd", .right)) }
        var table = TextTable(columns: columns)
        let grouped = NumberFormatting.grouped
        for layer in layers {
            table.rows.append([
                layer.name + (layer.trainable || layer.params == 0 ? "" : " (frozen)"), layer.op,
                "[" + layer.outputShape.map(String.init).joined(separator: ", ") + "]",
                grouped(layer.params), grouped(layer.macs), grouped(layer.flopsExact),
                ByteCount(layer.outputBytes).formatted(), ByteCount(layer.memoryAccessBytes).formatted(),
            ] + (showSaved ? [ByteCount(layer.savedBytes ?? 0).formatted()] : []))
        }
        let totalSaved = layers.reduce(0) { $0 + ($1.savedBytes ?? 0) }
        table.footer.append([
            "Total", "", "", grouped(params.total), grouped(macs), grouped(flopsExact),
            ByteCount(outputBytes).formatted(), ByteCount(memoryAccessBytes).formatted(),
        ] + (showSaved ? [ByteCount(totalSaved).formatted()] : []))

        let input = inputShape.map(String.init).joined(separator: "x")
        var out = "\(model): input \(input), batch \(batch), \(dtype.rawValue). MACs, FLOPs and bytes are for the whole batch;\n"
        out += "memory in binary units (1 KiB = 1024 B, 1 MiB = 1024 KiB, 1 GiB = 1024 MiB).\n\n"
        out += table.rendered()
        out += "\n"
        var lines: [(String, String)] = []
        var paramLine = "\(grouped(params.total)) (\(grouped(params.trainable)) trainable, \(grouped(params.frozen)) frozen)"
        paramLine += ", \(ByteCount(parameterBytes).formatted()) in \(dtype.rawValue)"
        lines.append(("Parameters", paramLine))
        if params.buffers > 0 || params.counters > 0 {
            lines.append(("Buffers", "\(grouped(params.buffers)) (+\(grouped(params.counters)) int64 counters), \(ByteCount(bufferBytes).formatted())"))
        }
        lines.append(("MACs", "\(grouped(macs)) (\(NumberFormatting.compact(macs))MACs)"))
        lines.append(("FLOPs", "\(grouped(flops)) (\(NumberFormatting.compact(flops))FLOPs, 2 x MACs); \(grouped(flopsExact)) counted op by op"))
        lines.append(("Outputs", "\(ByteCount(outputBytes).formatted()) summed over layers (forward tensors, not peak memory)"))
        let width = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines {
            out += label + String(repeating: " ", count: width - label.count + 2) + value + "\n"
        }
        out += "Training memory adds gradients, optimizer state and backward temporaries: memq estimate MODEL --batch \(batch)\n"
        return out
    }
}
