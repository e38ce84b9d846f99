import Foundation
import MemQCore

/// `memq latency`: the roofline estimate per layer (and, with `--measure`, the native engine's times beside it).
public struct LatencyResult: ReportRenderable, Hashable {
    public var estimate: LatencyEstimate
    public var measured: LatencyMeasured?

    public init(estimate: LatencyEstimate, measured: LatencyMeasured? = nil) {
        self.estimate = estimate; self.measured = measured
    }

    enum CodingKeys: String, CodingKey { case estimate, measured }

    public func renderText() -> String {
        let e = estimate
        var out = "\(e.model)  batch \(e.batch)  \(e.dtype)  device \(e.device)"
        out += "  efficiency compute \(String(format: "%.2f", e.efficiency.compute)) direct \(String(format: "%.2f", e.efficiency.direct))"
        out += " pooling \(String(format: "%.2f", e.efficiency.pooling)) memory \(String(format: "%.2f", e.efficiency.memory))"
        out += "  launch \(String(format: "%.1f", e.efficiency.launchOverheadMicroseconds)) us\n"
        out += "ridge point \(String(format: "%.1f", e.ridgeFLOPsPerByte)) FLOP/byte: below it a layer is bound by memory bandwidth\n"
        var columns: [(title: String, alignment: TextTable.Alignment)] = [
            ("layer", .left), ("op", .left), ("phase", .left), ("GFLOP", .right), ("MiB moved", .right), ("FLOP/B", .right),
            ("bound", .left), ("estimate", .right)]
        if measured != nil { columns.append(("measured", .right)) }
        var table = TextTable(columns: columns)
        for (k, l) in e.layers.enumerated() where l.kernels > 0 {
            var cells = [l.name, l.op, l.phase.rawValue, String(format: "%.3f", l.flops / 1e9),
                         String(format: "%.2f", l.bytes / 1_048_576), l.arithmeticIntensity.map { String(format: "%.1f", $0) } ?? "-",
                         l.bound.rawValue, LatencyText.time(l.seconds)]
            if let m = measured { cells.append(m.layerSeconds[k].map(LatencyText.time) ?? "-") }
            table.rows.append(cells)
        }
        out += table.rendered()
        out += "forward \(LatencyText.time(e.forwardSeconds)) = \(LatencyText.rate(e.forwardFPS)) samples/s"
        out += "  (\(e.count(.compute)) compute-bound, \(e.count(.memory)) memory-bound layers)\n"
        if e.train {
            out += "backward \(LatencyText.time(e.backwardSeconds))  optimizer \(LatencyText.time(e.optimizerSeconds))"
            out += "  step \(LatencyText.time(e.seconds)) = \(LatencyText.rate(e.trainSamplesPerSecond ?? 0)) samples/s\n"
        }
        if let m = measured {
            out += "measured (native engine, median of \(m.runs) runs): forward \(LatencyText.time(m.forwardSeconds))"
            out += " (estimate \(LatencyText.percent(m.forwardError)))"
            if let step = m.stepSeconds, let err = m.stepError {
                out += ", step \(LatencyText.time(step)) (estimate \(LatencyText.percent(err)))"
            }
            out += "\nrank correlation of per-layer times (Spearman): \(m.rankCorrelation.map { String(format: "%.3f", $0) } ?? "-")\n"
        }
        out += "Time = max(FLOPs / (peak x compute), bytes / (bandwidth x memory)) + kernels x launch overhead; docs/latency.md.\n"
        return out
    }

    public func renderCSV() -> String {
        var header = ["layer", "op", "phase", "flops", "bytes", "kernels", "arithmetic_intensity", "bound", "peak_key",
                      "compute_seconds", "memory_seconds", "launch_seconds", "allocation_seconds", "seconds"]
        if measured != nil { header.append("measured_seconds") }
        let rows = estimate.layers.enumerated().map { k, l in
            var r = [l.name, l.op, l.phase.rawValue, String(l.flops), String(l.bytes), String(l.kernels),
                     l.arithmeticIntensity.map { String($0) } ?? "", l.bound.rawValue, l.peakKey, String(l.computeSeconds),
                     String(l.memorySeconds), String(l.launchSeconds), String(l.allocationSeconds), String(l.seconds)]
            if let m = measured { r.append(m.layerSeconds[k].map { String($0) } ?? "") }
            return r
        }
        return CSVWriter.table(header: header, rows: rows)
    }
}

/// The native engine's measured times, aligned with the estimate's layers.
public struct LatencyMeasured: Codable, Sendable, Hashable {
    /// Seconds per estimate layer (nil where the engine ran no op of that layer and phase).
    public var layerSeconds: [Double?]
    public var forwardSeconds: Double
    /// Forward + backward + optimizer (with `--train`).
    public var stepSeconds: Double?
    public var runs: Int
    /// (estimate - measured) / measured of the forward.
    public var forwardError: Double
    public var stepError: Double?
    /// Spearman's rank correlation of estimated against measured per-layer times (layers both have).
    public var rankCorrelation: Double?

    enum CodingKeys: String, CodingKey {
        case runs
        case layerSeconds = "layer_seconds"
        case forwardSeconds = "forward_seconds"
        case stepSeconds = "step_seconds"
        case forwardError = "forward_error"
        case stepError = "step_error"
        case rankCorrelation = "rank_correlation"
    }

    public init(estimate: LatencyEstimate, layerSeconds: [Double?], forwardSeconds: Double, stepSeconds: Double?, runs: Int) {
        self.layerSeconds = layerSeconds; self.forwardSeconds = forwardSeconds; self.stepSeconds = stepSeconds; self.runs = runs
        forwardError = (estimate.forwardSeconds - forwardSeconds) / forwardSeconds
        stepError = stepSeconds.map { (estimate.seconds - $0) / $0 }
        var pairs: [(Double, Double)] = []
        for (k, m) in layerSeconds.enumerated() {
            if let m, estimate.layers[k].kernels > 0 { pairs.append((estimate.layers[k].seconds, m)) }
        }
        rankCorrelation = RankCorrelation.spearman(pairs)
    }
}

/// Times and rates as people read them.
public enum LatencyText {
    public static func time(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2f s", seconds) }
        if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.1f us", seconds * 1e6)
    }

    public static func rate(_ perSecond: Double) -> String {
        perSecond >= 100 ? String(format: "%.0f", perSecond) : String(format: "%.2f", perSecond)
    }

    public static func percent(_ fraction: Double) -> String { String(format: "%+.1f%%", fraction * 100) }
}
