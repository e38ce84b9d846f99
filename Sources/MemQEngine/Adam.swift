// Adam, AMSGrad and AdamW (torch/optim/adam.py, torch/optim/adamw.py).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) with PyTorch's algorithm (torch/optim/adam.py, `_single_tensor_adam`), fused per parameter;
/// AMSGrad via `amsgrad`, AdamW (Loshchilov & Hutter 2019; torch/optim/adamw.py) via `decoupledWeightDecay`.
///
///   t += 1
///   decoupled: param *= 1 - lr * weightDecay;   else: g = grad + weightDecay * param
///   m = m + (1 - beta1) * (g - m)                         (exp_avg.lerp_)
///   v = beta2 * v + (1 - beta2) * g^2                     (exp_avg_sq)
///   amsgrad: vmax = max(vmax, v), use vmax in place of v
///   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
///   param -= lr / (1 - beta1^t) * m / denom
/// Defaults: Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0; `Adam.adamW()` weightDecay 1e-2.
/// State per parameter: 2 tensors (exp_avg, exp_avg_sq), 3 with amsgrad (+ max_exp_avg_sq); step is an Int.
/// Scratch per update: none (the denominator is computed per element, never materialised).
package final class Adam<Scalar: EngineScalar>: Optimizer {
    /// Step size (lr).
    package let learningRate: Double
    /// Decay of the first moment (Adam) or interpolation factor of the update (Lion).
    package let beta1: Double
    /// Decay of the second moment (Adam) or of the momentum (Lion).
    package let beta2: Double
    /// Term added to the denominator for numerical stability.
    package let eps: Double
    /// Weight decay (L2 added to the gradient, or decoupled where the type says so).
    package let weightDecay: Double
    /// Use the running maximum of the second moment (AMSGrad, Reddi et al. 2018).
    package let amsgrad: Bool
    /// AdamW's decoupled decay (`param *= 1 - lr * wd`) instead of L2 added to the gradient.
    package let decoupledWeightDecay: Bool
    private var state = OptimizerState<Scalar>()

    /// Creates the optimizer; the defaults are the reference defaults listed above.
    package init(learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                 weightDecay: Double = 0, amsgrad: Bool = false, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW with PyTorch's defaults (torch/optim/adamw.py): lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 1e-2.
    package static func adamW(learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                              weightDecay: Double = 1e-2, amsgrad: Bool = false) -> Adam {
        Adam(learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
             decoupledWeightDecay: true)
    }

    /// Parameter-sized `optimizerState` tensors kept per parameter (see the type's documentation).
    package var stateTensorsPerParameter: Int { amsgrad ? 3 : 2 }
    /// Parameter-sized `temporary` tensors per update: none, the update is one fused pass.
    package var scratchTensorsPerUpdate: Int { 0 }

    @_specialize(where Scalar == Float)
    package func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>) {
        precondition(parameter.count == gradient.count, "Adam: parameter \(parameter.shape) vs gradient \(gradient.shape)")
        let slot = state.slot(for: parameter, tensors: stateTensorsPerParameter).slot
        slot.step += 1
        let t = Double(slot.step)
        // Bias corrections in Double, as PyTorch computes them on Python floats.
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2Sqrt = (1 - pow(beta2, t)).squareRoot()
        let stepSize = Scalar(learningRate / biasCorrection1)
        let correction2Sqrt = Scalar(biasCorrection2Sqrt)
        let decay = Scalar(1 - learningRate * weightDecay)
        let l2 = Scalar(weightDecay)
        let decoupled = decoupledWeightDecay, useMax = amsgrad, hasDecay = weightDecay != 0
        let b1 = Scalar(1 - beta1), b2 = Scalar(beta2), oneMinusB2 = Scalar(1 - beta2), epsilon = Scalar(eps)
        let p = parameter.pointer, grad = gradient.pointer
        let m = slot.tensors[0].pointer, v = slot.tensors[1].pointer
        let vMax = useMax ? slot.tensors[2].pointer : v
        Parallel.forRanges(parameter.count, costPerItem: 12) { r in
            for i in r {
                var g = grad[i]
                if hasDecay {
                    if decoupled { p[i] *= decay } else { g += l2 * p[i] }
                }
                m[i] += b1 * (g - m[i])
                v[i] = b2 * v[i] + oneMinusB2 * g * g
                var second = v[i]
                if useMax {
                    vMax[i] = max(vMax[i], v[i])
                    second = vMax[i]
                }
                let denominator = second.squareRoot() / correction2Sqrt + epsilon
                p[i] -= stepSize * m[i] / denominator
            }
        }
    }

    /// Frees every parameter's state tensors.
    package func resetState() { state.removeAll() }
}
