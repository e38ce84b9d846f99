// Speed of the native engine's training step against the machine's own GEMM rate.
import Dispatch
import MemQCore
import MemQEngine

/// Times training steps of a graph and one large `cblas_sgemm`, in the same process, for `scripts/bench-engine.sh`.
package struct EngineBenchmark: Sendable, Codable {
    /// Seconds per step (the best of the timed steps, after one untimed step).
    package var stepSeconds: Double
    /// FLOPs of one step by MemQ's own count: 3 x the forward's 2 x MACs (forward, and backward as twice the
    /// forward: the gradients of the inputs and of the weights).
    package var stepFlops: Double
    /// stepFlops / stepSeconds / 1e9.
    package var stepGFLOPS: Double
    /// The machine's `cblas_sgemm` rate on a `sgemmSize`-square product (best of three before and three after the
    /// steps), with OpenBLAS's own threads.
    package var sgemmGFLOPS: Double
    package var sgemmSize: Int
    /// stepGFLOPS / sgemmGFLOPS.
    package var ratio: Double

    /// Runs the benchmark: `steps` timed steps of `analysis` at `batch` with `optimizer`.
    package static func run(_ analysis: ModelAnalysis, batch: Int, optimizer: MemQCore.Optimizer, steps: Int = 5,
                            sgemmSize: Int = 2048) throws -> EngineBenchmark {
        GraphWarmUp.run()
        // The reference rate is measured before and after the steps and the better taken: a machine shared with
        // other work (a VM) moves both figures, and the faster sgemm is the honest denominator.
        let gemmSecondsBefore = GraphWarmUp.sgemmSeconds(size: sgemmSize, repeats: 3)
        let executor = try GraphExecutor<Float>(analysis: analysis, batch: batch, optimizer: optimizer)
        executor.step()
        var best = Double.infinity
        for _ in 0..<max(1, steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            executor.step()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let flops = 3 * 2 * Double(analysis.macs) * Double(batch)
        let gemmSeconds = min(gemmSecondsBefore, GraphWarmUp.sgemmSeconds(size: sgemmSize, repeats: 3))
        let gemm = 2 * Double(sgemmSize * sgemmSize * sgemmSize) / gemmSeconds / 1e9
        let rate = flops / best / 1e9
        return EngineBenchmark(stepSeconds: best, stepFlops: flops, stepGFLOPS: rate, sgemmGFLOPS: gemm,
                               sgemmSize: sgemmSize, ratio: rate / gemm)
    }
}
