// The forward pass and the loss: what each op allocates and what it keeps for its backward.
import MemQCore

extension GraphExecutor {
    /// Runs every node's forward op, then the loss, recording backward functions; returns the mean loss.
    ///
    /// A value's reference is dropped after its last consumer (graph inputs stay: the caller holds the batch);
    /// what a backward function saved stays alive through it.
    @discardableResult
    package func forward() -> T {
        stepCount += 1
        let layers = analysis.layers
        values = [Tensor<T>?](repeating: nil, count: layers.count)
        functionOf = [Int](repeating: -1, count: layers.count)
        functions = []
        lossFunction = -1
        for i in layers.indices {
            if case .crossEntropy = layers[i].op { continue }
            forwardNode(i)
            afterEachOp?()
            opFinished?(i, .forward)
            for v in Set(layers[i].inputs) where lastUse[v] == i && v != logitsNode && !isGraphInput(v) {
                values[v] = nil
            }
            if lastUse[i] < 0 && i != logitsNode && !isGraphInput(i) { values[i] = nil }
        }
        return lossForward()
    }

    /// `cross_entropy(logits, labels)` with the engine's fused kernel: it keeps the probabilities (N, K) for the
    /// backward and a per-row loss temporary (N) while it runs; the logits are dropped afterwards.
    func lossForward() -> T {
        guard let logits = values[logitsNode] else { preconditionFailure("logits were freed before the loss") }
        let classes = logits.shape[logits.rank - 1]
        let matrix = logits.rank == 2 ? logits : logits.reshaped([logits.count / classes, classes])
        let (loss, probabilities) = softmaxCrossEntropyForward(logits: matrix, labels: labels)
        functions.append(GraphGradFn(node: logitsNode, sequence: functions.count, isLoss: true,
                                     edges: [functionOf[logitsNode]], saved: [probabilities]))
        lossFunction = functions.count - 1
        values[logitsNode] = nil
        afterEachOp?()
        opFinished?(lossNode, .forward)
        return loss
    }

    /// The engine kind of an activation node.
    static func engineActivation(_ a: MemQCore.Activation) -> MemQEngine.Activation {
        switch a.function {
        case .relu: .relu
        case .relu6: .relu6
        case .leakyRelu: .leakyRelu(slope: a.negativeSlope)
        case .gelu: .gelu
        case .silu: .silu
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        case .hardswish: .hardswish
        case .hardsigmoid: .hardsigmoid
        }
    }

    /// Channel offset and size of a split node's piece of `channels` channels.
    static func splitPiece(_ s: MemQCore.Split, channels: Int) -> (offset: Int, size: Int) {
        var sizes = s.sizes ?? []
        if let chunks = s.chunks {
            let size = (channels + chunks - 1) / chunks
            var remaining = channels
            while remaining > 0 { sizes.append(min(size, remaining)); remaining -= size }
        }
        let offset = sizes.prefix(s.index).reduce(0, +)
        return (offset, s.index < sizes.count ? sizes[s.index] : 0)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func forwardNode(_ i: Int) {
        let layer = analysis.layers[i]
        let ins = layer.inputs
        let x: Tensor<T>! = ins.first.flatMap { values[$0] }
        let needIn = ins.first.map { requiresGradient($0) } ?? false
        let hasTrainable = layer.trainable && !parameters[i].isEmpty
        let outputShape = [batch] + layer.outputShape.dims
        /// Records a backward function when an input needs a gradient or the node has trainable parameters.
        func record(saved: [Tensor<T>], indices: Tensor<Int32>? = nil, mask: Tensor<UInt8>? = nil) {
            let edges = ins.map { functionOf[$0] }
            guard hasTrainable || edges.contains(where: { $0 >= 0 }) else { return }
            functions.append(GraphGradFn(node: i, sequence: functions.count, edges: edges, saved: saved,
                                         indices: indices, mask: mask))
            functionOf[i] = functions.count - 1
        }
        let p = parameters[i]

        switch layer.op {
        case .input:
            values[i] = input

        case .conv2d(let c):
            // Allocates the output and, while it runs, one im2col workspace; keeps the input.
            values[i] = conv2dForward(input: x, weight: p[0], bias: c.bias ? p[1] : nil, options: convOptions[i]!)
            record(saved: [x])

        case .linear(let l):
            values[i] = linearForward(input: x, weight: p[0], bias: l.bias ? p[1] : nil)
            record(saved: [x])

        case .batchNorm(let b):
            let stats = runningStatistics[i]
            let r = batchNormForward(input: x, weight: b.affine ? p[0] : nil, bias: b.affine ? p[1] : nil,
                                     runningMean: stats.first, runningVar: stats.last)
            if let counter = counters[i] { counter[0] += 1 }
            values[i] = r.output
            record(saved: [x, r.saveMean, r.saveInvstd])

        case .activation(let a):
            let kind = Self.engineActivation(a)
            // The engine differentiates relu, relu6, hardsigmoid, sigmoid and tanh from the result (and an
            // in-place leaky_relu from its result, as PyTorch); the others from the input.
            let usesResult = kind.backwardOperand == .output || (a.function == .leakyRelu && a.inplace)
            if a.inplace {
                // An in-place op whose derivative needs the input keeps a clone of it.
                let saved: Tensor<T> = !usesResult && needIn ? x.copy(category: .activations) : x
                activationInPlace(x, kind)
                values[i] = x
                record(saved: [saved])
            } else {
                let y = activationForward(x, kind)
                values[i] = y
                record(saved: [usesResult ? y : x])
            }

        case .softmax:
            let y = softmaxForward(x)
            values[i] = y
            record(saved: [y])

        case .maxPool2d:
            // Int32 indices of the output's size; the input is kept too, as PyTorch's autograd does.
            let r = maxPool2dForward(x, options: poolOptions[i]!)
            values[i] = r.output
            record(saved: [x], indices: r.indices)

        case .avgPool2d:
            values[i] = avgPool2dForward(x, options: poolOptions[i]!)
            record(saved: [x])

        case .adaptiveAvgPool2d(let size):
            let (h, w) = size.count == 1 ? (size[0], size[0]) : (size[0], size[1])
            values[i] = adaptiveAvgPool2dForward(x, outputSize: (h, w)).reshaped(outputShape)
            // A 1x1 output is PyTorch's mean(-1, -2): nothing saved.
            record(saved: h == 1 && w == 1 ? [] : [x])

        case .mean:
            values[i] = adaptiveAvgPool2dForward(x, outputSize: (1, 1)).reshaped(outputShape)
            record(saved: [])

        case .flatten, .reshape:
            values[i] = x.reshaped(outputShape)
            record(saved: [])

        case .add(let inplace):
            let a = values[ins[0]]!, b = values[ins[1]]!
            if inplace && a.shape == outputShape {
                addInPlace(a, b)
                values[i] = a
            } else {
                values[i] = addForward(a, b)
            }
            record(saved: [])

        case .mul:
            let a = values[ins[0]]!, b = values[ins[1]]!
            values[i] = mulForward(a, b)
            record(saved: a === b ? [a] : [a, b])

        case .concat:
            values[i] = concatChannels(ins.map { values[$0]! })
            record(saved: [])

        case .split(let s):
            let piece = Self.splitPiece(s, channels: x.shape[1])
            values[i] = narrowChannels(x, offset: piece.offset, size: piece.size)
            record(saved: [])

        case .channelShuffle(let groups):
            values[i] = channelShuffleForward(x, groups: groups)
            record(saved: [])

        case .dropout(let rate, let inplace):
            guard rate > 0 else { values[i] = x; functionOf[i] = functionOf[ins[0]]; return }
            if inplace {
                let mask = dropoutInPlace(x, p: rate, seed: randomSeed(node: i))
                values[i] = x
                record(saved: [], mask: mask)
            } else {
                let r = dropoutForward(x, p: rate, seed: randomSeed(node: i))
                values[i] = r.output
                record(saved: [], mask: r.mask)
            }

        case .stochasticDepth(let rate):
            guard rate > 0 else { values[i] = x; functionOf[i] = functionOf[ins[0]]; return }
            let r = stochasticDepthForward(x, p: rate, seed: randomSeed(node: i))
            values[i] = r.output
            record(saved: [r.noise])

        default:
            preconditionFailure("node \(layer.name): op \(layer.kind.rawValue) passed the check but has no kernel")
        }
    }
}
