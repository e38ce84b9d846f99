// Adagrad (torch/optim/adagrad.py).

/// Adagrad (Duchi, Hazan, Singer 2011) with PyTorch's algorithm (torch/optim/adagrad.py, `_single_tensor_adagrad`).
///
///   t += 1
///   g = grad + weightDecay * param
///   clr = lr / (1 + (t - 1) * lrDecay)
///   sum += g^2                                   (state_sum)
///   param -= clr * g / (sqrt(sum) + eps)
/// Defaults as PyTorch: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10.
/// State per parameter: 1 tensor (sum), filled with `initialAccumulatorValue` when created (lazily, on the first
/// step, where PyTorch creates it in the constructor). Step is an Int. Scratch per update: none.
package final class Adagrad<Scalar: EngineScalar>: Optimizer {
    /// Step size (lr).
    package let learningRate: Double
    /// Decay of the step size per step (lr_decay): lr / (1 + (t - 1) * lrDecay).
    package let learningRateDecay: Double
    /// Weight decay (L2 added to the gradient, or decoupled where the type says so).
    package let weightDecay: Double
    /// Starting value of the squared-gradient sum.
    package let initialAccumulatorValue: Double
    /// Term added to the denominator for numerical stability.
    package let eps: Double
    private var state = OptimizerState<Scalar>()

    /// Creates the optimizer; the defaults are the reference defaults listed above.
    package init(learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
                 initialAccumulatorValue: Double = 0, eps: Double = 1e-10) {
        self.learningRate = learningRate
        self.learningRateDecay = learningRateDecay
        self.weightDecay = weightDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.eps = eps
    }

    /// Parameter-sized `optimizerState` tensors kept per parameter (see the type's documentation).
    package var stateTensorsPerParameter: Int { 1 }
    /// Parameter-sized `temporary` tensors per update: none, the update is one fused pass.
    package var scratchTensorsPerUpdate: Int { 0 }

    @_specialize(where Scalar == Float)
    package func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>) {
        precondition(parameter.count == gradient.count, "Adagrad: parameter \(parameter.shape) vs gradient \(gradient.shape)")
        let (slot, isNew) = state.slot(for: parameter, tensors: 1)
        if isNew && initialAccumulatorValue != 0 { slot.tensors[0].fill(Scalar(initialAccumulatorValue)) }
        slot.step += 1
        let clr = Scalar(learningRate / (1 + Double(slot.step - 1) * learningRateDecay))
        let wd = Scalar(weightDecay), epsilon = Scalar(eps)
        let p = parameter.pointer, grad = gradient.pointer, sum = slot.tensors[0].pointer
        Parallel.forRanges(parameter.count, costPerItem: 8) { r in
            for i in r {
                let g = grad[i] + wd * p[i]
                sum[i] += g * g
                p[i] -= clr * g / (sum[i].squareRoot() + epsilon)
            }
        }
    }

    /// Frees every parameter's state tensors.
    package func resetState() { state.removeAll() }
}
