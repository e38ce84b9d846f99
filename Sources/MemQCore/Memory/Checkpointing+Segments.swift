extension Checkpointing {
    /// A model's blocks: maximal runs of consecutive nodes with one `block` name (graph inputs left out), in
    /// graph order.
    static func blocks(of analysis: ModelAnalysis) -> [(name: String, range: ClosedRange<Int>)] {
        var runs: [(name: String, range: ClosedRange<Int>)] = []
        for (i, layer) in analysis.layers.enumerated() {
            if case .input = layer.op { continue }
            guard let block = layer.block else { continue }
            if let last = runs.last, last.name == block, last.range.upperBound == i - 1 {
                runs[runs.count - 1].range = last.range.lowerBound...i
            } else {
                runs.append((block, i...i))
            }
        }
        return runs
    }

    /// The node ranges run under activation checkpointing in `analysis`: every K-th block from the first, or the
    /// blocks under the given names (`Graph.name(_:isUnder:)`: `layer3` covers `layer3.0` and `layer3.1`).
    /// - Throws: `EstimateError.checkpointBlockNotFound` for a name that covers no block,
    ///   `.checkpointBeyondBlocks` for `every:K` with K above the number of blocks (or a model without blocks).
    func segments(in analysis: ModelAnalysis) throws(EstimateError) -> [ClosedRange<Int>] {
        if case .none = self { return [] }
        let runs = Self.blocks(of: analysis)
        var names: [String] = []
        for run in runs where !names.contains(run.name) { names.append(run.name) }
        switch self {
        case .none:
            return []
        case .everyKthBlock(let k):
            guard k <= runs.count else { throw .checkpointBeyondBlocks(every: k, blocks: names) }
            return runs.enumerated().filter { $0.offset % k == 0 }.map(\.element.range)
        case .blocks(let selected):
            for name in selected where !names.contains(where: { Graph.name($0, isUnder: name) }) {
                throw .checkpointBlockNotFound(name: name, blocks: names)
            }
            return runs.filter { run in selected.contains { Graph.name(run.name, isUnder: $0) } }.map(\.range)
        }
    }
}
