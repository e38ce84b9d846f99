import CProcessControl
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
        withoutHugePages()
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
        withoutHugePages()
        let formatter = ISO8601DateFormatter()
        return DeviceCalibration.measure().device(cpuName: cpuName(), date: formatter.string(from: Date()))
    }

    /// Turns transparent huge pages off for this process before anything is timed (calibration and measurement
    /// alike, so both see the same page population). The engine asks for huge pages on tensors of 2 MiB or more
    /// (`MADV_HUGEPAGE`, EngineAllocator.swift); under the kernel's default `defrag=madvise` such a fault compacts
    /// memory synchronously, and on a fragmented machine that stalls for tens of milliseconds per tensor (measured
    /// here: 8 MiB tensors taking 30 ms to map, 8.6 s of a 2-step resnet50 run at batch 16; with THP off the same
    /// forward ran in 4.25 s instead of 5.9-6.5 s). Op times would then depend on the machine's memory history, not
    /// on the model. `memq validate` keeps huge pages (its figure is resident memory, the same either way).
    static func withoutHugePages() {
        _ = memq_disable_transparent_huge_pages()
    }

    /// `model name` from /proc/cpuinfo, with the core count.
    static func cpuName() -> String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let name = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
        return "\(name ?? "CPU") x \(ProcessInfo.processInfo.activeProcessorCount) cores (native engine)"
    }
}
