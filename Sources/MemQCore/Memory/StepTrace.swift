/// The simulated step sample by sample: what is live after each op, by category (for timelines and for finding
/// the first op whose rule departs from a measured timeline).
public struct StepSample: Sendable, Hashable {
    public var node: String
    public var phase: Estimate.Phase
    public var event: String
    /// Live bytes per `MemoryCategory`, in `MemoryCategory.allCases` order.
    public var live: [Int]
    public var total: Int { live.reduce(0, +) }
}

extension Estimator {
    /// Every sample of one simulated step at `config.batch` (exact sizes, no allocator rounding).
    public static func trace(_ analysis: ModelAnalysis, _ config: TrainingConfig) -> [StepSample] {
        var sim = StepSimulator(analysis: analysis, config: config, batch: config.microBatch ?? config.batch, recording: true)
        _ = sim.run()
        let ledger = sim.ledger
        let k = MemoryCategory.allCases.count
        var out: [StepSample] = []
        var s = 0
        for e in ledger.events where e.kind == .sample {
            let node = e.value >> 2
            let phase: Estimate.Phase = e.value & 3 == 0 ? .forward : e.value & 3 == 1 ? .backward : .step
            out.append(StepSample(node: analysis.layers[min(node, analysis.layers.count - 1)].name, phase: phase,
                                  event: ledger.labels[Int(e.id)], live: Array(ledger.sampleLive[(s * k)..<((s + 1) * k)])))
            s += 1
        }
        return out
    }
}
