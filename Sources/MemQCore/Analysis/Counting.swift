/// Parameter, MAC and FLOP rules, one per op (per sample; the batch multiplies activations, never weights).
///
/// Parameters (design notes 003): conv `(Kh*Kw*Cin/g)*Cout (+Cout)`; linear `I*O (+O)`; BatchNorm `2C` trainable
/// plus `2C` running statistics; embedding `N*W`; pooling, activations and dropout none.
/// MACs: convolutions `Cout*Ho*Wo*(Cin/g)*Kh*Kw`, linear `tokens*I*O`, matrix products `n*k*m` per leading
/// index, attention's projections and its two matrix products (the ops torchvision's figures count).
/// Exact FLOPs: conv `(2*Cin/g*K^2 - 1)` per output without bias, `2*Cin/g*K^2` with bias; linear `(2I - 1)`
/// per output without bias, `2I` with; ReLU 1 and sigmoid 4 per element; max pooling 1 and average pooling
/// `Kh*Kw` per output.
enum Counting {
    struct Result {
        var params = ParameterCount()
        var macs = 0
        var flops = 0
        var weightElements = 0
    }

    static func count(node: Node, inputs: [TensorInfo], output: TensorInfo) throws(ModelError) -> Result {
        let c = Checked(node: node.name, field: "size")
        let outElements = try c.product(output.dims)
        var r = Result()
        var trainable = 0

        switch node.op {
        case .input, .flatten, .reshape, .permute, .transpose, .split, .select, .dropout, .stochasticDepth,
             .channelShuffle, .upsample, .pad2d, .roll, .concat:
            if case .dropout(let p, _) = node.op, p > 0 { r.flops = outElements }
            if case .stochasticDepth = node.op { r.flops = outElements }

        case .conv2d(let conv):
            let cinPerGroup = inputs[0].dims[0] / conv.groups
            let perOutput = try c.mul(cinPerGroup, conv.kernel.h, conv.kernel.w)
            trainable = try c.add(try c.mul(perOutput, conv.outChannels), conv.bias ? conv.outChannels : 0)
            r.macs = try c.mul(outElements, perOutput)
            r.flops = try c.mul(outElements, 2 * perOutput - (conv.bias ? 0 : 1))

        case .linear(let l):
            let inFeatures = inputs[0].dims.last ?? 1
            let weight = try c.mul(inFeatures, l.outFeatures)
            trainable = try c.add(l.tiedTo == nil ? weight : 0, l.bias ? l.outFeatures : 0)
            if l.tiedTo != nil { r.weightElements = weight }
            r.macs = try c.mul(outElements, inFeatures)
            r.flops = try c.mul(outElements, 2 * inFeatures - (l.bias ? 0 : 1))

        case .batchNorm(let b):
            let channels = inputs[0].dims[0]
            if b.affine { trainable = 2 * channels }
            if b.trackRunningStats { r.params.buffers = 2 * channels; r.params.counters = 1 }
            r.flops = 2 * outElements          // (x - mean) * (gamma * invstd) + beta, folded: 2 per element

        case .layerNorm(let l):
            let normalized = inputs[0].dims.suffix(l.normalizedDims).reduce(1, *)
            if l.affine { trainable = normalized * (l.bias ? 2 : 1) }
            r.flops = 5 * outElements          // mean, variance, subtract, scale, shift

        case .groupNorm(let g):
            if g.affine { trainable = 2 * inputs[0].dims[0] }
            r.flops = 5 * outElements

        case .rmsNorm:
            trainable = inputs[0].dims.last ?? 0
            r.flops = 4 * outElements          // square, mean, rsqrt-scale, gain

        case .embedding(let e):
            trainable = try c.mul(e.count, e.dim)

        case .activation(let a):
            r.flops = outElements * a.function.flopsPerElement

        case .softmax:
            r.flops = 3 * outElements          // exp, sum, divide

        case .maxPool2d:
            r.flops = outElements
        case .avgPool2d(let p):
            r.flops = try c.mul(outElements, p.kernel.product)
        case .adaptiveAvgPool2d, .adaptiveMaxPool2d:
            r.flops = inputs[0].shape.elementCount

        case .add, .mul:
            r.flops = outElements * (inputs.count - 1)

        case .matmul:
            let k = inputs[0].dims.last ?? 1
            r.macs = try c.mul(outElements, k)
            r.flops = try c.mul(outElements, 2 * k - 1)

        case .attention(let a):
            let tokens = try c.product(Array(inputs[0].dims.dropLast()))
            let seq = inputs[0].dims[inputs[0].dims.count - 2]
            let groups = tokens / seq
            let qDim = a.heads * a.headDim, kvDim = a.kvHeads * a.headDim
            let projections = try c.add(try c.mul(a.embedDim, qDim), try c.mul(2 * a.embedDim, kvDim), try c.mul(qDim, a.embedDim))
            let biases = (a.qkvBias ? qDim + 2 * kvDim : 0) + (a.outBias ? a.embedDim : 0)
            trainable = try c.add(projections, biases, a.extraParams)
            let projectionMACs = try c.mul(tokens, projections)
            let scoreMACs = try c.mul(groups, 2 * a.heads, seq, seq, a.headDim)   // Q K^T and softmax(...) V
            r.macs = try c.add(projectionMACs, scoreMACs)
            r.flops = try c.add(2 * r.macs, try c.mul(groups, a.heads, seq, seq, 4)) // + scale and softmax

        case .mean:
            r.flops = inputs[0].shape.elementCount
        case .scale:
            r.flops = outElements
        case .layerScale(let dim, _):
            let d = dim < 0 ? dim + inputs[0].shape.rank + 1 : dim
            trainable = inputs[0].dims[d - 1]
            r.flops = outElements
        case .positionalEmbedding:
            trainable = inputs[0].shape.elementCount
            r.flops = outElements
        case .classToken(let count):
            trainable = count * inputs[0].dims[1]

        case .crossEntropy, .lmLoss:
            let logits = inputs[0].shape.elementCount
            r.flops = 4 * logits                // log-softmax (exp, sum, log, subtract) and the pick

        case .pointwise(let p):
            switch p.kind {
            case .cast, .contiguous: break    // copies, no arithmetic
            case .pow, .addScalar, .neg: r.flops = outElements
            case .rsqrt: r.flops = 2 * outElements   // square root and reciprocal
            }

        case .rotaryTable(let t):
            r.params.buffers = t.buffers.reduce(0, +)
            r.flops = (inputs[0].dims.last ?? 0) * t.dim   // one cos or sin per entry (plus the outer product, shared)

        case .sdpa:
            // q k^T and probabilities x v: 2 x H x S x S x d multiply-accumulates; softmax 4 per score.
            let q = inputs[0].dims, heads = q[0], seq = q[1], d = q[2]
            let scores = try c.mul(heads, seq, seq)
            r.macs = try c.mul(scores, 2 * d)
            r.flops = try c.add(try c.mul(r.macs, 2), try c.mul(scores, 4))

        case .positions(let b):
            r.params.counters = b.reduce(0, +)   // int64 index buffers
        case .repeatKV, .kvCache, .causalMask:
            break                              // copies
        }

        if node.trainable { r.params.trainable = trainable } else { r.params.frozen = trainable }
        r.weightElements += trainable + r.params.buffers
        return r
    }
}
