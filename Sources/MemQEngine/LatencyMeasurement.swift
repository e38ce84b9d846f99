// Timing the native engine op by op, to check the roofline estimate against this CPU.
import Dispatch
import MemQCore

/// Per-op wall-clock times of the native engine's forward (and training step) on this machine.
package struct LatencyMeasurement: Sendable {
    /// One op's time in one phase (the loss is its node's forward and backward; updates are the optimizer phase).
    package struct Key: Sendable, Hashable {
        package var node: Int
        package var phase: LatencyPhase
    }

    /// Median seconds per op over the timed runs.
    package var seconds: [Key: Double]
    /// Median seconds of each phase's whole run (not the sum of the op medians).
    package var forwardSeconds: Double
    package var backwardSeconds: Double
    package var optimizerSeconds: Double
    package var runs: Int

    /// Times `runs` forward passes (with the loss), or with `train` whole steps, after one untimed step.
    package static func run(_ analysis: ModelAnalysis, batch: Int, optimizer: MemQCore.Optimizer, train: Bool,
                            runs: Int = 5) throws(GraphExecutorError) -> LatencyMeasurement {
        GraphWarmUp.run()
        let executor = try GraphExecutor<Float>(analysis: analysis, batch: batch, optimizer: optimizer)
        executor.step()
        var perOp: [Key: [Double]] = [:]
        var totals: [LatencyPhase: [Double]] = [:]
        var last = DispatchTime.now().uptimeNanoseconds
        executor.opFinished = { node, phase in
            let now = DispatchTime.now().uptimeNanoseconds
            perOp[Key(node: node, phase: phase), default: []].append(Double(now - last) / 1e9)
            last = now
        }
        func timed(_ phase: LatencyPhase, _ body: () -> Void) {
            let start = DispatchTime.now().uptimeNanoseconds
            last = start
            body()
            totals[phase, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        for _ in 0..<max(1, runs) {
            // Several calls of one op in a run (an update per parameter tensor) add up within the run.
            let before = perOp.mapValues(\.count)
            timed(.forward) { executor.forward() }
            if train {
                timed(.backward) { executor.backward() }
                timed(.optimizer) { executor.optimizerStep() }
            } else {
                executor.discardGraph()
            }
            for (key, values) in perOp {
                let start = before[key] ?? 0
                guard values.count - start > 1 else { continue }
                perOp[key] = Array(values[..<start]) + [values[start...].reduce(0, +)]
            }
        }
        executor.opFinished = nil
        func median(_ v: [Double]) -> Double {
            guard !v.isEmpty else { return 0 }
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        return LatencyMeasurement(seconds: perOp.mapValues(median), forwardSeconds: median(totals[.forward] ?? []),
                                  backwardSeconds: median(totals[.backward] ?? []),
                                  optimizerSeconds: median(totals[.optimizer] ?? []), runs: max(1, runs))
    }
}
