extension RooflineCosts {
    /// The gradient kernels of node `i` (none when its output needs no gradient), plus the out-of-place sums of
    /// the gradients its consumers send back when there are several.
    func backward(_ i: Int) -> KernelCost {
        guard needsGrad[i] else { return .none }
        let l = analysis.layers[i]
        let inputsNeedingGrad = Array(Set(l.inputs.filter { needsGrad[$0] })).sorted()
        let trainsWeights = l.trainable && l.params.trainable > 0
        let gradOut = outBytes(i)
        var cost = KernelCost.none
        let fanIn = analysis.consumers[i].count
        if fanIn > 1 {
            // input_buffer.cpp: a second gradient is summed into a new tensor (read two, write one).
            cost = cost + KernelCost(flops: Double(fanIn - 1) * gradOut / Double(dtype.byteSize),
                                     bytes: Double(fanIn - 1) * 3 * gradOut, kernels: fanIn - 1,
                                     fresh: [Double](repeating: gradOut, count: fanIn - 1))
        }
        let gradIn = inputsNeedingGrad.reduce(0) { $0 + outBytes($1) }
        let inputGradients = inputsNeedingGrad.map { outBytes($0) }
        switch l.op {
        case .input, .positions, .add:
            break   // derivatives.yaml add: `self: grad`, `other: grad` (passed through, no kernel)
        case _ where l.op.isView:
            break   // a view's backward is a view of the gradient
        case .concat:
            // cat's backward narrows the gradient (views); the native engine copies each input's channels.
            if nativeEngine {
                cost = cost + KernelCost(flops: 0, bytes: 2 * gradIn, kernels: inputsNeedingGrad.count, fresh: inputGradients)
            }
        case .split:
            // split_backward: a zero tensor the input's size with the piece's gradient copied in.
            if !inputsNeedingGrad.isEmpty {
                cost = cost + KernelCost(flops: 0, bytes: inBytes(i) + 2 * gradOut, kernels: 2, fresh: [inBytes(i)])
            }
        case .conv2d, .linear:
            let w = weightBytes(i), ws = workspaceBytes(i)
            let kind: KernelKind = if case .conv2d(let c) = l.op, isDepthwise(i, c) { .direct } else { .product }
            // grad_input = grad_output x W^T (convolution_backward's input mask); same FLOPs as the forward.
            if !inputsNeedingGrad.isEmpty {
                cost = cost + KernelCost(flops: flops(i), bytes: gradOut + w + gradIn + ws, kernels: 1,
                                         fresh: inputGradients + (ws > 0 ? [ws / 2 / Double(batch)] : []), kind: kind)
            }
            // grad_weight = grad_output^T x input; same FLOPs as the forward.
            if trainsWeights {
                cost = cost + KernelCost(flops: flops(i), bytes: gradOut + inBytes(i) + w + ws, kernels: 1, fresh: [w],
                                         kind: kind)
            }
        case .matmul:
            // derivatives.yaml matmul: grad x other^T and self^T x grad, each the forward's size.
            for _ in inputsNeedingGrad {
                cost = cost + KernelCost(flops: flops(i), bytes: gradOut + inBytes(i), kernels: 1, fresh: [gradOut])
            }
        case .attention:
            // Every product of the module twice (its inputs' and its weights' gradients).
            cost = cost + KernelCost(flops: 2 * flops(i), bytes: 2 * (inBytes(i) + gradOut + weightBytes(i)) + gradIn,
                                     kernels: 12, fresh: inputGradients + [weightBytes(i)])
        case .sdpa:
            // FlashAttention-2's backward: five products against the forward's two (Dao 2023, section 3.2), reading
            // q, k, v, the output and its gradient, writing dq, dk, dv.
            cost = cost + KernelCost(flops: 2.5 * flops(i), bytes: 2 * inBytes(i) + 2 * gradOut, kernels: 1,
                                     fresh: inputGradients)
        case .batchNorm:
            // batch_norm_backward_reduce then batch_norm_backward_elemt: the gradient and the input read twice.
            cost = cost + KernelCost(flops: flops(i), bytes: 2 * (gradOut + inBytes(i)) + gradIn + 2 * weightBytes(i),
                                     kernels: 2, fresh: inputGradients + (trainsWeights ? [weightBytes(i)] : []))
        case .embedding:
            // embedding_dense_backward: a zero table gradient, the incoming rows added in.
            if trainsWeights {
                cost = cost + KernelCost(flops: 0, bytes: weightBytes(i) + gradOut, kernels: 2, fresh: [weightBytes(i)])
            }
        case .crossEntropy, .lmLoss:
            // nll_loss_backward writes the log-probabilities' gradient; _log_softmax_backward_data reads it and
            // the saved output and writes the logits' gradient.
            cost = cost + KernelCost(flops: flops(i), bytes: 4 * inBytes(i), kernels: 2, fresh: [inBytes(i)])
        default:
            // Element-wise, normalisation, pooling: read the incoming gradient and what was saved (the input's
            // size), write each input's gradient (and the parameters' gradients).
            let saved = l.inputs.first.map { outBytes($0) } ?? 0
            let kernels = max(1, inputsNeedingGrad.count) + (trainsWeights ? 1 : 0)
            cost = cost + KernelCost(flops: flops(i), bytes: gradOut + saved + gradIn + (trainsWeights ? 2 * weightBytes(i) : 0),
                                     kernels: kernels, fresh: inputGradients + (trainsWeights ? [weightBytes(i)] : []))
        }
        return cost
    }

    /// The optimizer's step: a memory-bound pass over every trainable parameter tensor, its gradient and its state.
    ///
    /// Fused kernels (MemQ's native engine, one loop per parameter; bitsandbytes' `optimizer_update_*` kernels) read
    /// the parameter, gradient and state once and write parameter and state once. PyTorch's for-loop and foreach
    /// implementations run `ops` element-wise operations per tensor (torch/optim/sgd.py, adam.py
    /// `_single_tensor_*`), each reading about two operands and writing one; foreach launches each operation once per
    /// chunk of tensors (aten/src/ATen/native/cuda/MultiTensorApply.cuh `depth_to_max_tensors = {110, 64, 48, 36, 30}`).
    func optimizerStep(_ optimizer: Optimizer, impl: OptimizerImpl, stateType: DType, nativeEngine: Bool) -> KernelCost {
        var tensors: [Int] = []
        for l in analysis.layers where l.trainable && l.params.trainable > 0 {
            tensors += StepSimulator.parameterTensors(l)
        }
        guard !tensors.isEmpty else { return .none }
        let p = Double(parameterType.byteSize)
        let elements = Double(tensors.reduce(0, +))
        let stateBytes = Double(tensors.reduce(0) { $0 + optimizer.stateBytes(elements: $1, stateType: stateType).reduce(0, +) })
        let flops = elements * Double(optimizer.flopsPerElement)
        let fused = nativeEngine || optimizer.isBitsAndBytes
        if fused {
            return KernelCost(flops: flops, bytes: elements * 3 * p + 2 * stateBytes, kernels: tensors.count)
        }
        let ops = optimizer.elementwiseOps
        let bytes = Double(ops) * 3 * (elements * p) + 2 * stateBytes
        switch impl {
        case .foreach:
            let limits = [110, 64, 48, 36, 30]
            let depth = min(2 + optimizer.stateCopies, limits.count)
            let chunks = (tensors.count + limits[depth - 1] - 1) / limits[depth - 1]
            return KernelCost(flops: flops, bytes: bytes, kernels: ops * chunks)
        default:
            return KernelCost(flops: flops, bytes: bytes, kernels: ops * tensors.count)
        }
    }
}

extension Optimizer {
    /// Element-wise operations per parameter tensor in PyTorch's unfused step (torch/optim `_single_tensor_*`):
    /// SGD `param.add_`; momentum `buf.mul_().add_()`, `param.add_`; Adam `exp_avg.lerp_`, `exp_avg_sq.mul_()
    /// .addcmul_()`, `sqrt`, `div_`, `add_(eps)`, `param.addcdiv_` (AdamW one more for the decoupled decay).
    var elementwiseOps: Int {
        switch self {
        case .sgd: 1
        case .momentum: 3
        case .nesterov: 4
        case .adam: 7
        case .adamw: 8
        case .amsgrad: 9
        case .rmsprop: 5
        case .rmspropMomentum: 7
        case .rmspropCentered: 8
        case .adagrad: 5
        case .lion: 6
        case .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: 1
        }
    }

    /// Arithmetic per parameter element of one step (the update's multiplies, adds, square root and division).
    var flopsPerElement: Int {
        switch self {
        case .sgd: 2
        case .momentum: 4
        case .nesterov: 6
        case .adam, .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: 12
        case .adamw: 14
        case .amsgrad: 13
        case .rmsprop: 7
        case .rmspropMomentum: 9
        case .rmspropCentered: 10
        case .adagrad: 6
        case .lion: 8
        }
    }
}
