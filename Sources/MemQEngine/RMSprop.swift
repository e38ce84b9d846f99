// RMSprop, plain, with momentum, and centered (torch/optim/rmsprop.py).

/// RMSprop (Hinton, Coursera lecture 6e) with PyTorch's algorithm (torch/optim/rmsprop.py, `_single_tensor_rmsprop`).
///
///   g = grad + weightDecay * param
///   sq = alpha * sq + (1 - alpha) * g^2                       (square_avg)
///   centered: ga = ga + (1 - alpha) * (g - ga); avg = sqrt(sq - ga^2) + eps    (grad_avg.lerp_)
///   else:     avg = sqrt(sq) + eps
///   momentum > 0: buf = momentum * buf + g / avg; param -= lr * buf
///   else:         param -= lr * g / avg
/// Defaults as PyTorch: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false.
/// State per parameter: 1 tensor (square_avg), +1 when momentum > 0 (momentum_buffer), +1 when centered (grad_avg);
/// all start at zero. Step is an Int. Scratch per update: none.
package final class RMSprop<Scalar: EngineScalar>: Optimizer {
    /// Step size (lr).
    package let learningRate: Double
    /// Smoothing constant of the squared-gradient average.
    package let alpha: Double
    /// Term added to the denominator for numerical stability.
    package let eps: Double
    /// Weight decay (L2 added to the gradient, or decoupled where the type says so).
    package let weightDecay: Double
    /// Momentum factor (0 disables the momentum buffer).
    package let momentum: Double
    /// Normalise by the estimated variance of the gradient (subtracts the squared mean gradient).
    package let centered: Bool
    private var state = OptimizerState<Scalar>()

    /// Creates the optimizer; the defaults are the reference defaults listed above.
    package init(learningRate: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                 momentum: Double = 0, centered: Bool = false) {
        self.learningRate = learningRate
        self.alpha = alpha
        self.eps = eps
        self.weightDecay = weightDecay
        self.momentum = momentum
        self.centered = centered
    }

    /// Parameter-sized `optimizerState` tensors kept per parameter (see the type's documentation).
    package var stateTensorsPerParameter: Int { 1 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0) }
    /// Parameter-sized `temporary` tensors per update: none, the update is one fused pass.
    package var scratchTensorsPerUpdate: Int { 0 }

    @_specialize(where Scalar == Float)
    package func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>) {
        precondition(parameter.count == gradient.count, "RMSprop: parameter \(parameter.shape) vs gradient \(gradient.shape)")
        let slot = state.slot(for: parameter, tensors: stateTensorsPerParameter).slot
        slot.step += 1
        let useMomentum = momentum > 0, isCentered = centered
        // Tensor order: square_avg, then momentum_buffer (if momentum > 0), then grad_avg (if centered).
        let square = slot.tensors[0].pointer
        let buffer = useMomentum ? slot.tensors[1].pointer : square
        let gradAverage = isCentered ? slot.tensors[useMomentum ? 2 : 1].pointer : square
        let lr = Scalar(learningRate), a = Scalar(alpha), oneMinusA = Scalar(1 - alpha)
        let epsilon = Scalar(eps), wd = Scalar(weightDecay), mu = Scalar(momentum)
        let p = parameter.pointer, grad = gradient.pointer
        Parallel.forRanges(parameter.count, costPerItem: 12) { r in
            for i in r {
                let g = grad[i] + wd * p[i]
                square[i] = a * square[i] + oneMinusA * g * g
                var average: Scalar
                if isCentered {
                    gradAverage[i] += oneMinusA * (g - gradAverage[i])
                    average = (square[i] - gradAverage[i] * gradAverage[i]).squareRoot()
                } else {
                    average = square[i].squareRoot()
                }
                average += epsilon
                if useMomentum {
                    buffer[i] = mu * buffer[i] + g / average
                    p[i] -= lr * buffer[i]
                } else {
                    p[i] -= lr * g / average
                }
            }
        }
    }

    /// Frees every parameter's state tensors.
    package func resetState() { state.removeAll() }
}
