// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (torch/optim/sgd.py).

/// SGD, PyTorch's algorithm (torch/optim/sgd.py, `_single_tensor_sgd`), fused into one pass per parameter.
///
///   g = grad + weightDecay * param
///   if momentum != 0:  buf = g on the first step, else buf = momentum * buf + (1 - dampening) * g
///                      d = nesterov ? g + momentum * buf : buf
///   else d = g
///   param -= lr * d
/// Defaults as PyTorch: lr 1e-3, momentum 0, dampening 0, weightDecay 0, nesterov false.
/// State per parameter: 1 tensor (momentum_buffer) when momentum != 0, else 0. Scratch per update: none.
package final class SGD<Scalar: EngineScalar>: Optimizer {
    /// Step size (lr).
    package let learningRate: Double
    /// Momentum factor (0 disables the momentum buffer).
    package let momentum: Double
    /// Dampening of the gradient added to the momentum buffer (not applied on the first step).
    package let dampening: Double
    /// Weight decay (L2 added to the gradient, or decoupled where the type says so).
    package let weightDecay: Double
    /// Nesterov momentum: step along g + momentum * buf.
    package let nesterov: Bool
    private var state = OptimizerState<Scalar>()

    /// Creates the optimizer; the defaults are the reference defaults listed above.
    package init(learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                 weightDecay: Double = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// Parameter-sized `optimizerState` tensors kept per parameter (see the type's documentation).
    package var stateTensorsPerParameter: Int { momentum != 0 ? 1 : 0 }
    /// Parameter-sized `temporary` tensors per update: none, the update is one fused pass.
    package var scratchTensorsPerUpdate: Int { 0 }

    @_specialize(where Scalar == Float)
    package func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>) {
        precondition(parameter.count == gradient.count, "SGD: parameter \(parameter.shape) vs gradient \(gradient.shape)")
        let p = parameter.pointer, grad = gradient.pointer
        let lr = Scalar(learningRate), wd = Scalar(weightDecay)
        guard momentum != 0 else {
            Parallel.forRanges(parameter.count, costPerItem: 3) { r in
                for i in r { p[i] -= lr * (grad[i] + wd * p[i]) }
            }
            return
        }
        let (slot, isNew) = state.slot(for: parameter, tensors: 1)
        slot.step += 1
        let buf = slot.tensors[0].pointer
        let mu = Scalar(momentum), keep = Scalar(1 - dampening), nesterov = nesterov
        Parallel.forRanges(parameter.count, costPerItem: 6) { r in
            for i in r {
                let g = grad[i] + wd * p[i]
                // The buffer starts as a copy of the first gradient (torch.clone(grad)), without dampening.
                let b = isNew ? g : mu * buf[i] + keep * g
                buf[i] = b
                p[i] -= lr * (nesterov ? g + mu * b : b)
            }
        }
    }

    /// Frees every parameter's state tensors.
    package func resetState() { state.removeAll() }
}
