import Foundation
import MemQCore
import MemQEngine

/// Timing on this machine for `memq latency --measure` and `memq calibrate-device` (the native engine's kernels).
package enum LatencyProbe {
    /// Median seconds per node and phase of the native engine's forward (and with `train`, the step), and of each
    /// phase as a whole.
    package struct Times: Sendable {
        package var seconds: [Int: [LatencyPhase: Double]]
        package var forwardSeconds: Double
        package var backwardSeconds: Double
        package var optimizerSeconds: Double
        package var runs: Int
    }

    /// Runs the engine in this process: one untimed step, then `runs` timed forwards (or steps).
    package static func measure(_ analysis: ModelAnalysis, batch: Int, optimizer: MemQCore.Optimizer, train: Bool,
                                runs: Int) throws(ValidationError) -> Times {
        do {
            try GraphExecutor<Float>.checkSupported(analysis)
            let m = try LatencyMeasurement.run(analysis, batch: batch, optimizer: optimizer, train: train, runs: runs)
            var seconds: [Int: [LatencyPhase: Double]] = [:]
            for (key, value) in m.seconds { seconds[key.node, default: [:]][key.phase] = value }
            return Times(seconds: seconds, forwardSeconds: m.forwardSeconds, backwardSeconds: m.backwardSeconds,
                         optimizerSeconds: m.optimizerSeconds, runs: m.runs)
        } catch {
            throw .unsupported(error)
        }
    }

    /// Measures this CPU's roofline (`cpu-local`).
    package static func calibrate() -> LatencyDevice {
        let formatter = ISO8601DateFormatter()
        return DeviceCalibration.measure().device(cpuName: cpuName(), date: formatter.string(from: Date()))
    }

    /// `model name` from /proc/cpuinfo, with the core count.
    static func cpuName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let name = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
        return "\(name ?? "CPU") x \(ProcessInfo.processInfo.activeProcessorCount) cores (native engine)"
    }
}
