/// FLOPs, bytes and kernel launches per layer and phase, the rules the roofline turns into time.
///
/// Forward: a layer reads its inputs and weights and writes its output (the memory-access cost of ShuffleNetV2's
/// guideline G1, `h*w*(c1 + c2) + c1*c2` for a 1x1 convolution), one kernel; views and graph inputs launch nothing.
/// Backward: each op's gradient kernels as derivatives.yaml defines them (a product's input and weight gradients
/// are products of the same size; an element-wise op reads the incoming gradient and what it saved and writes the
/// input's gradient; views and `add` pass the gradient through), plus autograd's out-of-place sum when a tensor
/// feeds several consumers (torch/csrc/autograd/input_buffer.cpp). Optimizer: one pass over every parameter.
struct RooflineCosts {
    let analysis: ModelAnalysis
    let batch: Int
    let dtype: DType
    let parameterType: DType
    /// MemQ's native engine: convolutions through im2col + GEMM (the workspace written and read per sample).
    let nativeEngine: Bool
    /// Per node: whether its output requires a gradient (a trainable parameter upstream).
    let needsGrad: [Bool]

    init(analysis: ModelAnalysis, batch: Int, dtype: DType, parameterType: DType, nativeEngine: Bool) {
        self.analysis = analysis; self.batch = batch; self.dtype = dtype; self.parameterType = parameterType
        self.nativeEngine = nativeEngine
        var needs = [Bool](repeating: false, count: analysis.layers.count)
        for (i, layer) in analysis.layers.enumerated() {
            needs[i] = (layer.trainable && layer.params.trainable > 0) || layer.inputs.contains { needs[$0] }
        }
        needsGrad = needs
    }

    func outBytes(_ i: Int) -> Double {
        let l = analysis.layers[i]
        return Double(l.outputBytes(batch: batch, dtype: dtype))
    }

    func inBytes(_ i: Int) -> Double { analysis.layers[i].inputs.reduce(0) { $0 + outBytes($1) } }

    func weightBytes(_ i: Int) -> Double {
        let l = analysis.layers[i]
        return Double(l.weightElements * l.parameterType(model: parameterType).byteSize)
    }

    /// 2 x MACs for the products, the exact count for every other op, for the whole batch.
    func flops(_ i: Int) -> Double {
        let l = analysis.layers[i]
        return Double(l.macs > 0 ? 2 * l.macs : l.exactFlops) * Double(l.batchShared ? 1 : batch)
    }

    /// Bytes the native engine's im2col workspace moves in one pass over the batch: written by im2col (or col2im's
    /// source), read by the GEMM (MemQEngine/Conv2d.swift).
    func workspaceBytes(_ i: Int) -> Double {
        guard nativeEngine, case .conv2d(let c) = analysis.layers[i].op else { return 0 }
        let x = analysis.layers[i].inputs[0]
        let elements = c.nativeWorkspaceElements(inChannels: analysis.layers[x].outputShape.dims[0],
                                                 outputDims: analysis.layers[i].outputShape.dims)
        return 2 * Double(elements * batch * dtype.byteSize)
    }

    /// The native engine's thresholds for splitting a kernel over the cores: loops of 32,768 scalar operations
    /// (MemQEngine/Parallel.swift `minimumWork`), GEMMs of 2^20 multiply-adds (`EngineBLAS.minimumSplitMACs`).
    static let parallelElements = 32_768
    static let parallelMACs = 1 << 20

    /// `cost` with its kernels marked as splitting over the cores when node `i` is large enough (native engine).
    func parallel(_ cost: KernelCost, node i: Int) -> KernelCost {
        guard nativeEngine, cost.kernels > 0 else { return cost }
        let l = analysis.layers[i]
        let samples = l.batchShared ? 1 : batch
        let large = l.macs * samples >= Self.parallelMACs || l.outputElements * samples >= Self.parallelElements
            || analysis.layers[i].inputs.contains { analysis.layers[$0].outputElements * samples >= Self.parallelElements }
        var c = cost
        c.parallelKernels = large ? cost.kernels : 0
        return c
    }

    /// A depthwise convolution (groups == input channels > 1): a direct loop, no GEMM.
    func isDepthwise(_ i: Int, _ c: Conv2d) -> Bool {
        c.groups > 1 && c.groups == analysis.layers[analysis.layers[i].inputs[0]].outputShape.dims[0]
    }

    static func launchesNothing(_ op: Op) -> Bool {
        switch op {
        case .input, .positions: true
        default: op.isView
        }
    }

    /// An op that writes into its input's storage (no fresh output).
    static func isInPlace(_ op: Op) -> Bool {
        switch op {
        case .activation(let a): a.inplace
        case .add(let inplace): inplace
        case .dropout(_, let inplace): inplace
        default: false
        }
    }

    func forward(_ i: Int) -> KernelCost {
        let l = analysis.layers[i]
        if Self.launchesNothing(l.op) { return .none }
        let base = KernelCost(flops: flops(i), bytes: inBytes(i) + outBytes(i) + weightBytes(i), kernels: 1,
                              fresh: Self.isInPlace(l.op) ? [] : [outBytes(i)])
        switch l.op {
        case .embedding:
            // Gathers one row per index: reads the rows it returns (not the whole table) and the indices.
            return KernelCost(flops: 0, bytes: 2 * outBytes(i) + inBytes(i), kernels: 1, fresh: base.fresh)
        case .batchNorm:
            // Training batch norm reads the input more than once: on CUDA the statistics (one Welford pass), then
            // the transform (aten/src/ATen/native/cuda/Normalization.cuh `batch_norm_collect_statistics_kernel`,
            // `batch_norm_transform_input_kernel`); the native engine sums, sums the squares, then transforms
            // (MemQEngine/BatchNorm.swift): three reads.
            let reads = nativeEngine ? 2.0 : 1.0
            return KernelCost(flops: base.flops, bytes: base.bytes + reads * inBytes(i), kernels: 2, fresh: base.fresh)
        case .conv2d(let c):
            let workspace = workspaceBytes(i) / 2 / Double(batch)   // one sample's buffer, allocated per call
            return KernelCost(flops: base.flops, bytes: base.bytes + workspaceBytes(i), kernels: 1,
                              fresh: base.fresh + (workspace > 0 ? [workspace] : []),
                              kind: isDepthwise(i, c) ? .direct : .product)
        case .maxPool2d(let p):
            // One comparison per window element (the count of FLOPs takes one per output), in a direct loop.
            let comparisons = Double(l.outputElements * batch * p.kernel.product)
            return KernelCost(flops: comparisons, bytes: base.bytes, kernels: 1, fresh: base.fresh, kind: .pooling)
        case .avgPool2d:
            return KernelCost(flops: base.flops, bytes: base.bytes, kernels: 1, fresh: base.fresh, kind: .pooling)
        case .attention:
            // The fused module: q, k, v and output projections, two batched products, softmax (and its scale).
            return KernelCost(flops: base.flops, bytes: base.bytes, kernels: 7, fresh: base.fresh)
        case .crossEntropy, .lmLoss:
            // log_softmax writes a tensor the logits' size, nll_loss reads one element per row.
            return KernelCost(flops: base.flops, bytes: 2 * inBytes(i), kernels: 2, fresh: [inBytes(i)])
        default:
            return base
        }
    }
}
