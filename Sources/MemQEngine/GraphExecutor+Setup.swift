// Checking a graph against the engine's kernels, resolving kernel options, creating parameters.
import MemQCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension GraphExecutor {
    /// A dimension of the batched tensor (PyTorch numbering, 0 is the batch) made non-negative.
    static func normalized(_ dim: Int, perSampleRank: Int) -> Int { dim < 0 ? dim + perSampleRank + 1 : dim }

    /// Throws unless the engine has a kernel for the node's op with these attributes.
    // swiftlint:disable:next cyclomatic_complexity
    static func check(_ layer: LayerStats, inputs: [LayerStats]) throws(GraphExecutorError) {
        let rank = inputs.first?.outputShape.rank ?? 0
        func unsupported(_ field: String, _ message: String) -> GraphExecutorError {
            .unsupportedAttribute(node: layer.name, field: field, message: message)
        }
        switch layer.op {
        case .input(let i):
            if let dtype = i.dtype, !dtype.isFloatingPoint {
                throw unsupported("dtype", "the engine feeds floating-point inputs only, got \(dtype.rawValue)")
            }
        case .conv2d, .linear, .batchNorm, .activation, .flatten, .reshape, .channelShuffle, .dropout,
             .stochasticDepth, .maxPool2d, .avgPool2d:
            if case .linear(let l) = layer.op, l.tiedTo != nil { throw unsupported("tied_to", "tied weights are not supported natively") }
            if case .batchNorm = layer.op, rank < 1 { throw unsupported("input", "batch norm needs (N, C, ...)") }
        case .softmax(let dim):
            if normalized(dim, perSampleRank: rank) != rank { throw unsupported("dim", "softmax runs over the last dimension only (dim -1)") }
        case .adaptiveAvgPool2d(let size):
            if size.isEmpty || size.count > 2 || rank != 3 { throw unsupported("output_size", "needs one or two sizes over (C, H, W)") }
        case .add, .mul:
            if layer.inputs.count != 2 { throw unsupported("inputs", "needs exactly two inputs, got \(layer.inputs.count)") }
        case .concat(let dim):
            if normalized(dim, perSampleRank: rank) != 1 { throw unsupported("dim", "concatenation runs along the channels (dim 1) only") }
        case .split(let s):
            if normalized(s.dim, perSampleRank: rank) != 1 { throw unsupported("dim", "split/chunk runs along the channels (dim 1) only") }
        case .mean(let dims, _):
            let d = Set(dims.map { normalized($0, perSampleRank: rank) })
            if rank != 3 || d != [2, 3] { throw unsupported("dims", "mean runs over H and W of (N, C, H, W) only ([2, 3])") }
        case .crossEntropy:
            break
        default:
            throw .unsupportedOp(node: layer.name, op: layer.kind.rawValue)
        }
    }

    /// The engine's options for a convolution node (nil for other ops).
    static func convolutionOptions(_ layer: LayerStats, input: [Int]) throws(GraphExecutorError) -> Conv2dOptions? {
        guard case .conv2d(let c) = layer.op else { return nil }
        var pad = [0, 0]
        for axis in 0..<2 {
            let k = c.kernel[axis], d = c.dilation[axis], s = c.stride[axis]
            switch c.padding {
            case .explicit(let p): pad[axis] = p[axis]
            case .valid: pad[axis] = 0
            case .full: pad[axis] = d * (k - 1)
            case .same:
                let size = input.count == 3 ? input[axis + 1] : 0
                let out = (size + s - 1) / s
                let total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
                guard total % 2 == 0 else {
                    throw .unsupportedAttribute(node: layer.name, field: "padding", message: "'same' padding here is asymmetric; the engine pads both sides equally")
                }
                pad[axis] = total / 2
            case .asymmetric:
                throw .unsupportedAttribute(node: layer.name, field: "padding", message: "asymmetric padding is not supported natively; use equal padding")
            }
        }
        return Conv2dOptions(stride: (c.stride.h, c.stride.w), padding: (pad[0], pad[1]),
                             dilation: (c.dilation.h, c.dilation.w), groups: c.groups)
    }

    /// The engine's options for a max or average pooling node (nil for other ops).
    static func poolingOptions(_ layer: LayerStats) throws(GraphExecutorError) -> Pool2dOptions? {
        let pool: Pool2d
        switch layer.op {
        case .maxPool2d(let p), .avgPool2d(let p): pool = p
        default: return nil
        }
        guard pool.padding.h * 2 <= pool.kernel.h, pool.padding.w * 2 <= pool.kernel.w else {
            throw .unsupportedAttribute(node: layer.name, field: "padding", message: "pooling padding must be at most half the kernel")
        }
        return Pool2dOptions(kernel: (pool.kernel.h, pool.kernel.w), stride: (pool.stride.h, pool.stride.w),
                             padding: (pool.padding.h, pool.padding.w), dilation: (pool.dilation.h, pool.dilation.w),
                             ceilMode: pool.ceilMode, countIncludePad: pool.countIncludePad)
    }

    /// A node's trainable tensors (PyTorch's default initialisation: uniform in +-1/sqrt(fan_in) for convolution and
    /// linear weights and biases, ones and zeros for batch norm) and its running statistics.
    static func makeParameters(_ layer: LayerStats, inputDims: [Int], allocator: EngineAllocator, random: inout EngineRandom)
        -> (parameters: [Tensor<T>], statistics: [Tensor<T>], counter: Tensor<Int64>?) {
        func uniform(_ shape: [Int], bound: Double) -> Tensor<T> {
            let t = Tensor<T>(shape: shape, category: .weights, allocator: allocator)
            for i in 0..<t.count { t[i] = T((random.nextUnit() * 2 - 1) * bound) }
            return t
        }
        var result: (parameters: [Tensor<T>], statistics: [Tensor<T>], counter: Tensor<Int64>?) = ([], [], nil)
        switch layer.op {
        case .conv2d(let c):
            let perGroup = inputDims[0] / c.groups
            let bound = 1 / Double(perGroup * c.kernel.product).squareRoot()
            result.parameters.append(uniform([c.outChannels, perGroup, c.kernel.h, c.kernel.w], bound: bound))
            if c.bias { result.parameters.append(uniform([c.outChannels], bound: bound)) }
        case .linear(let l):
            let features = inputDims.last ?? 1
            let bound = 1 / Double(features).squareRoot()
            result.parameters.append(uniform([l.outFeatures, features], bound: bound))
            if l.bias { result.parameters.append(uniform([l.outFeatures], bound: bound)) }
        case .batchNorm(let b):
            let channels = inputDims[0]
            if b.affine {
                let gamma = Tensor<T>(shape: [channels], category: .weights, allocator: allocator)
                gamma.fill(1)
                result.parameters = [gamma, Tensor<T>(shape: [channels], category: .weights, allocator: allocator)]
            }
            if b.trackRunningStats {
                let variance = Tensor<T>(shape: [channels], category: .buffers, allocator: allocator)
                variance.fill(1)
                result.statistics = [Tensor<T>(shape: [channels], category: .buffers, allocator: allocator), variance]
                result.counter = Tensor<Int64>(shape: [1], category: .buffers, allocator: allocator)
            }
        default:
            break
        }
        precondition(result.parameters.reduce(0) { $0 + $1.count } == layer.params.total,
                     "node \(layer.name): engine parameters differ from the analysis' count \(layer.params.total)")
        return result
    }
}

extension GraphExecutor {
    /// Throws unless the engine can train every node of `analysis` (nothing is allocated).
    package static func checkSupported(_ analysis: ModelAnalysis) throws(GraphExecutorError) {
        let layers = analysis.layers
        for layer in layers {
            try check(layer, inputs: layer.inputs.map { layers[$0] })
            _ = try convolutionOptions(layer, input: layer.inputs.first.map { layers[$0].outputShape.dims } ?? [])
            _ = try poolingOptions(layer)
        }
        let logits = logitsNode(analysis)
        guard let classes = layers[logits].outputShape.dims.last, classes > 1 else {
            throw .invalidLogits(node: layers[logits].name, message: "needs a last dimension of at least 2 classes, got shape \(layers[logits].outputShape)")
        }
    }
}
