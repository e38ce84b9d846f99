import Foundation

extension ModelSpec {
    /// Writes a graph as a spec that `graph(from:)` reads back to an identical graph (every field explicit).
    public static func json(for graph: Graph) -> JSONValue {
        var inputs: [JSONValue] = []
        var nodes: [JSONValue] = []
        for node in graph.nodes {
            if case .input(let input) = node.op {
                var o: [String: JSONValue] = ["name": .string(node.name), "shape": ints(input.shape.dims)]
                if let dtype = input.dtype { o["dtype"] = .string(dtype.rawValue) }
                inputs.append(.object(o))
                continue
            }
            var o = fields(of: node.op)
            o["name"] = .string(node.name)
            o["op"] = .string(node.op.kind.rawValue)
            o["inputs"] = .array(node.inputs.map { .string($0) })
            if !node.trainable { o["trainable"] = .bool(false) }
            if let block = node.block { o["block"] = .string(block) } else if node.name.contains(".") { o["block"] = .null }
            if node.fp32Parameters { o["fp32_params"] = .bool(true) }
            nodes.append(.object(o))
        }
        var top: [String: JSONValue] = ["name": .string(graph.name), "inputs": .array(inputs), "nodes": .array(nodes),
                                        "output": .string(graph.output)]
        if !graph.notes.isEmpty { top["notes"] = .array(graph.notes.map { .string($0) }) }
        if !graph.auxiliaryLosses.isEmpty {
            top["aux_losses"] = .array(graph.auxiliaryLosses.map { ["node": .string($0.node), "weight": .double($0.weight)] })
        }
        return .object(top)
    }

    private static func ints(_ v: [Int]) -> JSONValue { .array(v.map { .int($0) }) }
    private static func pair(_ p: Pair) -> JSONValue { p.h == p.w ? .int(p.h) : ints([p.h, p.w]) }

    // swiftlint:disable:next cyclomatic_complexity
    private static func fields(of op: Op) -> [String: JSONValue] {
        switch op {
        case .input: return [:]
        case .conv2d(let c):
            let padding: JSONValue = switch c.padding {
            case .explicit(let p): pair(p)
            case .asymmetric(let b, let a): ints([b.h, b.w, a.h, a.w])
            case .same: .string("same")
            case .valid: .string("valid")
            case .full: .string("full")
            }
            var o: [String: JSONValue] = ["out_channels": .int(c.outChannels), "kernel": pair(c.kernel), "stride": pair(c.stride),
                                          "padding": padding, "dilation": pair(c.dilation), "groups": .int(c.groups), "bias": .bool(c.bias)]
            if let i = c.inChannels { o["in_channels"] = .int(i) }
            return o
        case .linear(let l):
            var o: [String: JSONValue] = ["out_features": .int(l.outFeatures), "bias": .bool(l.bias)]
            if let i = l.inFeatures { o["in_features"] = .int(i) }
            if let t = l.tiedTo { o["tied_to"] = .string(t) }
            if let q = l.quantization {
                o["quantization"] = .string(q.kind.rawValue)
                o["compute_dtype"] = .string(q.computeDType.rawValue)
                if q.doubleQuant { o["double_quant"] = .bool(true) }
                if q.clonedByPEFT { o["peft_clone"] = .bool(true) }
            }
            return o
        case .batchNorm(let b):
            var o: [String: JSONValue] = ["affine": .bool(b.affine), "track_running_stats": .bool(b.trackRunningStats)]
            if let n = b.numFeatures { o["num_features"] = .int(n) }
            return o
        case .layerNorm(let l):
            return ["normalized_dims": .int(l.normalizedDims), "elementwise_affine": .bool(l.affine), "bias": .bool(l.bias)]
        case .groupNorm(let g): return ["num_groups": .int(g.groups), "affine": .bool(g.affine)]
        case .rmsNorm: return [:]
        case .embedding(let e):
            var o: [String: JSONValue] = ["num_embeddings": .int(e.count), "embedding_dim": .int(e.dim)]
            if e.inputEmbeddings { o["input_embeddings"] = .bool(true) }
            return o
        case .activation(let a):
            var o: [String: JSONValue] = ["inplace": .bool(a.inplace)]
            if a.function == .leakyRelu { o["negative_slope"] = .double(a.negativeSlope) }
            return o
        case .softmax(let dim): return ["dim": .int(dim)]
        case .maxPool2d(let p):
            return ["kernel": pair(p.kernel), "stride": pair(p.stride), "padding": pair(p.padding),
                    "dilation": pair(p.dilation), "ceil_mode": .bool(p.ceilMode)]
        case .avgPool2d(let p):
            return ["kernel": pair(p.kernel), "stride": pair(p.stride), "padding": pair(p.padding),
                    "ceil_mode": .bool(p.ceilMode), "count_include_pad": .bool(p.countIncludePad)]
        case .adaptiveAvgPool2d(let s), .adaptiveMaxPool2d(let s): return ["output_size": ints(s)]
        case .flatten(let s, let e): return ["start_dim": .int(s), "end_dim": .int(e)]
        case .reshape(let s): return ["shape": ints(s)]
        case .permute(let d): return ["dims": ints(d)]
        case .transpose(let a, let b): return ["dim0": .int(a), "dim1": .int(b)]
        case .add(let inplace): return ["inplace": .bool(inplace)]
        case .mul, .matmul, .positionalEmbedding, .crossEntropy: return [:]
        case .concat(let d): return ["dim": .int(d)]
        case .split(let s):
            var o: [String: JSONValue] = ["index": .int(s.index), "dim": .int(s.dim)]
            if let sizes = s.sizes { o["sizes"] = ints(sizes) }
            if let chunks = s.chunks { o["chunks"] = .int(chunks) }
            return o
        case .channelShuffle(let g): return ["groups": .int(g)]
        case .dropout(let p, let inplace): return ["p": .double(p), "inplace": .bool(inplace)]
        case .stochasticDepth(let p): return ["p": .double(p)]
        case .upsample(let s): return ["scale_factor": .int(s), "mode": .string("nearest")]
        case .attention(let a):
            return ["embed_dim": .int(a.embedDim), "num_heads": .int(a.heads), "num_kv_heads": .int(a.kvHeads),
                    "head_dim": .int(a.headDim), "bias": .bool(a.qkvBias), "out_bias": .bool(a.outBias),
                    "causal": .bool(a.causal), "extra_params": .int(a.extraParams)]
        case .mean(let d, let k): return ["dims": ints(d), "keepdim": .bool(k)]
        case .scale(let f): return ["factor": .double(f)]
        case .layerScale(let d, let plusOne): return plusOne ? ["dim": .int(d), "plus_one": .bool(true)] : ["dim": .int(d)]
        case .classToken(let c): return ["count": .int(c)]
        case .select(let d, let i): return ["dim": .int(d), "index": .int(i)]
        case .pad2d(let p): return ["pads": ints(p)]
        case .roll(let shifts, let dims): return ["shifts": ints(shifts), "dims": ints(dims)]
        case .pointwise(let p):
            switch p.kind {
            case .pow(let e): return ["exponent": .double(e)]
            case .addScalar(let v): return ["value": .double(v)]
            case .cast(let d): return d.map { ["dtype": .string($0.rawValue)] } ?? [:]
            case .rsqrt, .neg, .contiguous: return [:]
            }
        case .rotaryTable(let t): return ["function": .string(t.function.rawValue), "dim": .int(t.dim), "buffers": ints(t.buffers)]
        case .positions(let b): return ["buffers": ints(b)]
        case .sdpa(let a): return ["kernel": .string(a.kernel.rawValue), "causal": .bool(a.causal), "dropout": .double(a.dropout)]
        case .repeatKV(let g): return ["groups": .int(g)]
        case .kvCache: return [:]
        case .causalMask(let shared): return ["shared": .bool(shared)]
        case .lmLoss(let l): return ["kind": .string(l.kind.rawValue)]
        }
    }
}
