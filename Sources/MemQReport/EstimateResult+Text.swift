import Foundation
import MemQCore

extension EstimateResult {
    /// The peak, where it happens, and the breakdown at that moment, in binary units.
    public func renderText() -> String {
        var out = "\(model)  batch \(batch)\(microBatch.map { " (micro-batch \($0))" } ?? "")  input \(inputShape.map(String.init).joined(separator: "x"))"
        out += "  \(dtype)  \(optimizer)  runtime \(runtime)\(gpu.map { "  gpu \($0)" } ?? "")\(dataParallelText)  method \(method)\n"
        out += "peak \(ByteCount(peakBytes).formatted()) (\(NumberFormatting.grouped(peakBytes)) bytes) during \(peakAt.phase) at \(peakAt.node) [\(peakAt.event)]\n"
        if sharding != "none" { out += "sharding: \(sharding) (figures per device)\n" }
        for note in assumptions ?? [] { out += "assumed: \(note)\n" }
        if let gpuMemoryBytes, let fits {
            out += fits ? "fits in \(gpu ?? "the GPU")'s \(ByteCount(gpuMemoryBytes).formatted()) with \(ByteCount(gpuMemoryBytes - peakBytes).formatted()) to spare\n"
                        : "does NOT fit in \(gpu ?? "the GPU")'s \(ByteCount(gpuMemoryBytes).formatted()): \(ByteCount(peakBytes - gpuMemoryBytes).formatted()) over\n"
        }
        var table = TextTable(columns: [("category", .left), ("bytes", .right), ("binary", .right), ("share", .right)])
        for (key, bytes) in breakdown.entries {
            let share = peakBytes > 0 ? Double(bytes) / Double(peakBytes) * 100 : 0
            table.rows.append([key + (key == dominant ? " *" : ""), NumberFormatting.grouped(bytes), ByteCount(bytes).formatted(),
                               String(format: "%.1f%%", share)])
        }
        table.footer.append(["total", NumberFormatting.grouped(peakBytes), ByteCount(peakBytes).formatted(), "100.0%"])
        out += table.rendered()
        if optimizerScratchBytes > 0 {
            out += "optimizer_state includes \(ByteCount(optimizerScratchBytes).formatted()) of step scratch\n"
        }
        if let reservedBytes { out += "allocator reserved: \(ByteCount(reservedBytes).formatted())\n" }
        out += "* dominant. Memory in binary units (1 MiB = 2^20 bytes). params \(NumberFormatting.grouped(params.total)), MACs \(NumberFormatting.grouped(macs))\n"
        return out
    }

    /// `  data-parallel 8 zero 3` (figures per device), `  data-parallel 4` for plain replicas; empty on one device.
    private var dataParallelText: String {
        guard dataParallel > 1 else { return "" }
        return "  data-parallel \(dataParallel)" + (zero > 0 ? " zero \(zero)" : "")
    }

    /// One header and one row.
    public func renderCSV() -> String {
        CSVWriter.table(header: Self.csvHeader, rows: [csvRow])
    }

    static let csvHeader = ["model", "batch", "dtype", "optimizer", "runtime", "method", "peak_bytes", "peak_phase", "peak_node",
                            "weights", "buffers", "gradients", "optimizer_state", "activations", "temporary", "input",
                            "runtime_overhead", "dominant"]

    var csvRow: [String] {
        [model, String(batch), dtype, optimizer, runtime, method, String(peakBytes), peakAt.phase, peakAt.node]
            + breakdown.entries.map { String($0.bytes) } + [dominant]
    }
}
