import MemQCore

/// `memq fit`: the largest batch whose peak fits a budget less a margin.
///
/// JSON: `max_batch`, `peak_bytes` (at `max_batch`), `next_peak_bytes` (at `max_batch + 1`), `budget_bytes`,
/// `margin` (a fraction: 5% is 0.05), `usable_bytes`, `dominant`, and both estimates in full.
public struct FitResult: ReportRenderable, Hashable {
    public var model: String
    public var maxBatch: Int
    public var peakBytes: Int
    public var nextPeakBytes: Int
    public var budgetBytes: Int
    public var margin: Double
    public var usableBytes: Int
    /// What dominates the peak at `max_batch`.
    public var dominant: String
    public var atMax: EstimateResult
    public var next: EstimateResult

    enum CodingKeys: String, CodingKey {
        case model, margin, dominant, next
        case maxBatch = "max_batch"
        case peakBytes = "peak_bytes"
        case nextPeakBytes = "next_peak_bytes"
        case budgetBytes = "budget_bytes"
        case usableBytes = "usable_bytes"
        case atMax = "at_max"
    }

    public init(_ fit: Estimator.Fit, model: String, inputShape: [Int]) {
        self.model = model
        maxBatch = fit.maxBatch
        peakBytes = fit.atMax.peakBytes
        nextPeakBytes = fit.next.peakBytes
        budgetBytes = fit.budgetBytes
        margin = fit.margin
        usableBytes = fit.usableBytes
        dominant = fit.atMax.breakdown.dominant
        atMax = EstimateResult(fit.atMax, model: model, inputShape: inputShape)
        next = EstimateResult(fit.next, model: model, inputShape: inputShape)
    }

    public func renderText() -> String {
        var out = "\(model)  \(atMax.dtype)  \(atMax.optimizer)  runtime \(atMax.runtime)\(atMax.gpu.map { "  gpu \($0)" } ?? "")\n"
        out += "budget \(ByteCount(budgetBytes).formatted()) less \(String(format: "%g", margin * 100))% margin = \(ByteCount(usableBytes).formatted()) usable\n"
        out += "largest batch that fits: \(maxBatch)\n"
        var columns: [(title: String, alignment: TextTable.Alignment)] = [("batch", .right), ("peak", .right), ("peak bytes", .right),
                                                                          ("fits", .left), ("dominant", .left)]
        if atMax.speed != nil { columns += [("step time", .right), ("samples/s", .right)] }
        var table = TextTable(columns: columns)
        var first = [String(maxBatch), ByteCount(peakBytes).formatted(), NumberFormatting.grouped(peakBytes), "yes", dominant]
        var second = [String(maxBatch + 1), ByteCount(nextPeakBytes).formatted(), NumberFormatting.grouped(nextPeakBytes), "no", next.dominant]
        if let a = atMax.speed, let b = next.speed {
            first += [a.stepText, a.samplesText]
            second += [b.stepText, b.samplesText]
        }
        table.rows.append(first)
        table.rows.append(second)
        out += table.rendered()
        out += "Memory in binary units (1 GiB = 2^30 bytes).\n"
        if let s = atMax.speed { out += "Step time: roofline estimate on \(s.device) (memq latency --train; docs/latency.md).\n" }
        return out
    }

    public func renderCSV() -> String {
        CSVWriter.table(header: ["model", "max_batch", "peak_bytes", "next_peak_bytes", "budget_bytes", "margin", "usable_bytes", "dominant"],
                        rows: [[model, String(maxBatch), String(peakBytes), String(nextPeakBytes), String(budgetBytes),
                                String(margin), String(usableBytes), dominant]])
    }
}
