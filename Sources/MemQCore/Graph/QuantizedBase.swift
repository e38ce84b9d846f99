extension ModelAnalysis {
    /// The graph with its linear layers' weights stored as bitsandbytes stores them (transformers'
    /// `replace_with_bnb_linear`: every `nn.Linear` but the modules `get_keys_to_not_convert` keeps, i.e. the output
    /// head and tied layers). Only adapters can train on such a base: apply `applyingLoRA` next.
    /// - Throws: `EstimateError.invalidOption(field: "quantize-base")` when the model has no linear layer to quantize.
    public func quantizingBase(_ q: Quantization) throws(EstimateError) -> Graph {
        var head = outputIndex
        switch layers[head].op {
        case .lmLoss, .crossEntropy: head = layers[head].inputs[0]
        default: break
        }
        var count = 0
        var nodes = graph.nodes
        for (i, node) in nodes.enumerated() where i != head {
            guard case .linear(var l) = node.op, l.tiedTo == nil else { continue }
            l.quantization = q
            nodes[i].op = .linear(l)
            nodes[i].trainable = false
            count += 1
        }
        guard count > 0 else {
            throw .invalidOption(field: "quantize-base", message: "the model has no linear layer to quantize (the output head stays unquantized, as transformers keeps it)")
        }
        do {
            var g = try Graph(name: graph.name, nodes: nodes, output: graph.output)
            g.auxiliaryLosses = graph.auxiliaryLosses
            g.notes = graph.notes + ["quantized base: \(count) linear layers in \(q.description); the head and embeddings unquantized"]
            return g
        } catch {
            throw .invalidOption(field: "quantize-base", message: "\(error)")
        }
    }
}
