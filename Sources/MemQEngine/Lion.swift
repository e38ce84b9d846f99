// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2).

/// Lion: sign of an interpolated momentum, with decoupled weight decay (Chen et al. 2023, Algorithm 2;
/// the same order as the authors' lion-pytorch).
///
///   param *= 1 - lr * weightDecay
///   c = beta1 * m + (1 - beta1) * g;  param -= lr * sign(c)     (sign(0) = 0, as torch.sign)
///   m = beta2 * m + (1 - beta2) * g
/// Defaults from the paper: lr 1e-4, betas (0.9, 0.99), weightDecay 0.
/// State per parameter: 1 tensor (exp_avg m, zero-initialised). Scratch per update: none.
package final class Lion<Scalar: EngineScalar>: Optimizer {
    /// Step size (lr).
    package let learningRate: Double
    /// Decay of the first moment (Adam) or interpolation factor of the update (Lion).
    package let beta1: Double
    /// Decay of the second moment (Adam) or of the momentum (Lion).
    package let beta2: Double
    /// Weight decay (L2 added to the gradient, or decoupled where the type says so).
    package let weightDecay: Double
    private var state = OptimizerState<Scalar>()

    /// Creates the optimizer; the defaults are the reference defaults listed above.
    package init(learningRate: Double = 1e-4, betas: (Double, Double) = (0.9, 0.99), weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.weightDecay = weightDecay
    }

    /// Parameter-sized `optimizerState` tensors kept per parameter (see the type's documentation).
    package var stateTensorsPerParameter: Int { 1 }
    /// Parameter-sized `temporary` tensors per update: none, the update is one fused pass.
    package var scratchTensorsPerUpdate: Int { 0 }

    @_specialize(where Scalar == Float)
    package func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>) {
        precondition(parameter.count == gradient.count, "Lion: parameter \(parameter.shape) vs gradient \(gradient.shape)")
        let slot = state.slot(for: parameter, tensors: 1).slot
        slot.step += 1
        let lr = Scalar(learningRate), decay = Scalar(1 - learningRate * weightDecay)
        let b1 = Scalar(beta1), oneMinusB1 = Scalar(1 - beta1), b2 = Scalar(beta2), oneMinusB2 = Scalar(1 - beta2)
        let p = parameter.pointer, grad = gradient.pointer, m = slot.tensors[0].pointer
        Parallel.forRanges(parameter.count, costPerItem: 8) { r in
            for i in r {
                let g = grad[i]
                p[i] *= decay
                let c = b1 * m[i] + oneMinusB1 * g
                let sign: Scalar = c > 0 ? 1 : (c < 0 ? -1 : 0)
                p[i] -= lr * sign
                m[i] = b2 * m[i] + oneMinusB2 * g
            }
        }
    }

    /// Frees every parameter's state tensors.
    package func resetState() { state.removeAll() }
}
