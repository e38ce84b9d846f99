// The validation result as the aligned text `memq validate` prints.
import MemQCore

extension ValidationResult {
    /// Estimate beside measurement: the totals, the error and the verdict, then per phase and per category.
    package var text: String {
        func mib(_ bytes: Int) -> String { String(format2(Double(bytes) / 1_048_576)) + " MiB" }
        var lines: [String] = []
        lines.append("\(model) (input \(input)), batch \(batch), \(optimizer), \(steps) step(s), runtime \(runtime)")
        lines.append("estimate   peak \(mib(estimate.peakBytes)) at \(estimate.peakPhase) (\(estimate.peakNode): \(estimate.peakEvent))")
        guard let m = measured else {
            lines.append("measured   none: \(failure ?? "the child failed")")
            lines.append("result     FAIL")
            return lines.joined(separator: "\n")
        }
        lines.append("measured   peak RSS delta \(mib(m.peakRSSDeltaBytes)) (baseline \(mib(m.baselineRSSBytes)) after a warm-up of \(mib(m.warmUpBytes)), peak \(mib(m.peakRSSBytes)))")
        lines.append("allocator  peak \(mib(m.allocatorPeakBytes))")
        let e = (error ?? 0) * 100
        lines.append("error      \(e >= 0 ? "+" : "")\(format2(e))% of measured (tolerance \(format2(tolerance * 100))%)")
        lines.append("result     \(pass ? "PASS" : "FAIL")")
        lines.append("")
        lines.append(pad("phase", 22) + pad("RSS delta", 14, right: true) + pad("allocator", 14, right: true) + pad("seconds", 10, right: true) + "  loss")
        for p in m.phases {
            let name = p.step == 0 ? p.phase : "\(p.phase) \(p.step)"
            lines.append(pad(name, 22) + pad(mib(p.peakRSSDeltaBytes), 14, right: true) + pad(mib(p.allocatorPeakBytes), 14, right: true)
                         + pad(format2(p.seconds), 10, right: true) + (p.loss.map { "  " + format2($0) } ?? ""))
        }
        lines.append("")
        lines.append(pad("category", 22) + pad("estimate", 14, right: true) + pad("allocator peak", 16, right: true))
        for key in ["weights", "buffers", "gradients", "optimizer_state", "activations", "temporary", "input", "runtime_overhead"] {
            lines.append(pad(key, 22) + pad(mib(estimate.breakdown[key] ?? 0), 14, right: true)
                         + pad(m.allocatorPeaks[key].map(mib) ?? "-", 16, right: true))
        }
        lines.append("(estimate: bytes at the estimated peak; allocator: each category's own peak over the run)")
        return lines.joined(separator: "\n")
    }

    private func format2(_ x: Double) -> String {
        let scaled = (x * 100).rounded() / 100
        let whole = Int(scaled.magnitude)
        let cents = Int(((scaled.magnitude - Double(whole)) * 100).rounded())
        return (scaled < 0 ? "-" : "") + "\(whole)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }
}
