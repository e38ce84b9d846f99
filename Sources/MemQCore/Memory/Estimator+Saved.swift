extension Estimator {
    /// Bytes each layer keeps for the backward pass at the end of the forward pass (its saved tensors), for the
    /// whole batch: where activation checkpointing pays. A storage saved by several layers (a BatchNorm output
    /// kept by an in-place ReLU and the next convolution) is attributed to the first.
    public static func savedActivations(_ analysis: ModelAnalysis, _ config: TrainingConfig) throws(EstimateError) -> [Int] {
        try validate(analysis, config)
        var sim = StepSimulator(analysis: analysis, config: config, batch: config.microBatch ?? config.batch)
        sim.forward(accumulating: false)
        var perLayer = [Int](repeating: 0, count: analysis.layers.count)
        var counted = Set<Int>()
        for fn in sim.fns.indices.sorted(by: { sim.fns[$0].seq < sim.fns[$1].seq }) {
            guard let node = sim.nodeOfFn[fn] else { continue }
            for s in sim.fns[fn].saved where sim.ledger.isLive(s) && counted.insert(s).inserted
                && sim.ledger.category[s] != .input && sim.ledger.category[s] != .weights {
                perLayer[node] += sim.ledger.size(s)
            }
        }
        return perLayer
    }
}
