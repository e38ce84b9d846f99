// Pointwise activations, forward and backward (torch/nn/functional.py, aten/src/ATen/native/Activation.cpp).

/// A pointwise activation function; `backwardOperand` says which tensor its backward needs.
///
/// Backward needs the OUTPUT: relu, relu6, hardsigmoid, sigmoid, tanh (so relu/relu6/hardsigmoid may run in place).
/// Backward needs the INPUT: leakyRelu, gelu, silu, hardswish.
package enum Activation: Sendable, Hashable {
    /// max(0, x)
    case relu
    /// min(max(0, x), 6)
    case relu6
    /// x > 0 ? x : slope * x (PyTorch default slope 0.01)
    case leakyRelu(slope: Double)
    /// x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (exact, erf form; PyTorch approximate="none")
    case gelu
    /// x * sigmoid(x)
    case silu
    /// 1 / (1 + e^-x)
    case sigmoid
    /// tanh(x)
    case tanh
    /// x * relu6(x + 3) / 6
    case hardswish
    /// relu6(x + 3) / 6
    case hardsigmoid

    /// Which tensor an activation's backward reads.
    package enum BackwardOperand: Sendable, Hashable {
        /// The activation's input (x).
        case input
        /// The activation's output (y).
        case output
    }

    /// The tensor `activationBackward` must be given as `saved`.
    package var backwardOperand: BackwardOperand {
        switch self {
        case .relu, .relu6, .hardsigmoid, .sigmoid, .tanh: .output
        case .leakyRelu, .gelu, .silu, .hardswish: .input
        }
    }
}

private let inverseSqrt2 = 0.707_106_781_186_547_524_40
private let inverseSqrt2Pi = 0.398_942_280_401_432_677_94

@inline(__always)
private func logistic<T: EngineScalar>(_ x: T) -> T {
    // Stable for large |x|: never exponentiates a positive number.
    if x >= 0 { return 1 / (1 + T.exp(-x)) }
    let e = T.exp(x)
    return e / (1 + e)
}

/// Activation forward, element by element; parallel in chunks on large tensors.
///
/// input (any shape) -> output (same shape). Backward needs `kind.backwardOperand` (input or output).
@_specialize(where T == Float)
package func activationForward<T: EngineScalar>(
    _ input: Tensor<T>, _ kind: Activation, category: MemoryCategory = .activations
) -> Tensor<T> {
    let output = input.sibling(shape: input.shape, category: category)
    applyActivation(kind, from: input.pointer, to: output.pointer, count: input.count)
    return output
}

/// Activation forward written over its input; only for kinds whose backward needs the output (relu, relu6,
/// hardsigmoid, sigmoid, tanh), like PyTorch's `inplace=True`. Returns `tensor` itself.
@discardableResult
@_specialize(where T == Float)
package func activationForwardInPlace<T: EngineScalar>(_ tensor: Tensor<T>, _ kind: Activation) -> Tensor<T> {
    precondition(kind.backwardOperand == .output, "\(kind) needs its input for backward; it cannot run in place")
    applyActivation(kind, from: tensor.pointer, to: tensor.pointer, count: tensor.count)
    return tensor
}

private func applyActivation<T: EngineScalar>(
    _ kind: Activation, from x: UnsafeMutablePointer<T>, to y: UnsafeMutablePointer<T>, count: Int
) {
    switch kind {
    case .relu:
        Parallel.forRanges(count) { r in for i in r { y[i] = x[i] > 0 ? x[i] : 0 } }
    case .relu6:
        Parallel.forRanges(count) { r in for i in r { y[i] = min(max(x[i], 0), 6) } }
    case .leakyRelu(let slope):
        let s = T(slope)
        Parallel.forRanges(count) { r in for i in r { y[i] = x[i] > 0 ? x[i] : x[i] * s } }
    case .gelu:
        // y = x * 0.5 * (1 + erf(x / sqrt 2))   (torch.nn.functional.gelu, approximate="none")
        let k = T(inverseSqrt2)
        Parallel.forRanges(count, costPerItem: 8) { r in
            for i in r { y[i] = x[i] * 0.5 * (1 + T.erf(x[i] * k)) }
        }
    case .silu:
        Parallel.forRanges(count, costPerItem: 8) { r in for i in r { y[i] = x[i] * logistic(x[i]) } }
    case .sigmoid:
        Parallel.forRanges(count, costPerItem: 8) { r in for i in r { y[i] = logistic(x[i]) } }
    case .tanh:
        Parallel.forRanges(count, costPerItem: 8) { r in for i in r { y[i] = T.tanh(x[i]) } }
    case .hardswish:
        // y = x * min(max(x + 3, 0), 6) / 6   (aten hardswish_kernel)
        Parallel.forRanges(count) { r in for i in r { y[i] = x[i] * min(max(x[i] + 3, 0), 6) / 6 } }
    case .hardsigmoid:
        Parallel.forRanges(count) { r in for i in r { y[i] = min(max(x[i] + 3, 0), 6) / 6 } }
    }
}

/// Activation backward: `gradInput = gradOutput * f'(x)`, with f' expressed through `saved`.
///
/// gradOutput (any shape), saved (same shape; the input or the output per `kind.backwardOperand`)
/// -> gradInput (same shape). Derivatives (aten/src/ATen/native/Activation.cpp, *_backward):
///   relu: y > 0;  relu6: 0 < y < 6;  hardsigmoid: 0 < y < 1 ? 1/6 : 0;  sigmoid: y (1 - y);  tanh: 1 - y^2
///   leakyRelu: x > 0 ? 1 : slope;  gelu: Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)
///   silu: s (1 + x (1 - s)), s = sigmoid(x);  hardswish: x < -3 ? 0 : x <= 3 ? x/3 + 1/2 : 1
@_specialize(where T == Float)
package func activationBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, saved: Tensor<T>, _ kind: Activation, category: MemoryCategory = .gradients
) -> Tensor<T> {
    precondition(gradOutput.count == saved.count, "activation gradOutput \(gradOutput.shape) vs saved \(saved.shape)")
    let gradInput = saved.sibling(shape: gradOutput.shape, category: category)
    let dy = gradOutput.pointer, s = saved.pointer, dx = gradInput.pointer
    let count = saved.count
    switch kind {
    case .relu:
        if T.self == Float.self {
            reluBackward(dy: UnsafeRawPointer(dy).assumingMemoryBound(to: Float.self),
                         saved: UnsafeRawPointer(s).assumingMemoryBound(to: Float.self),
                         dx: UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self), count: count)
        } else {
            Parallel.forRanges(count) { r in for i in r { dx[i] = s[i] > 0 ? dy[i] : 0 } }
        }
    case .relu6:
        Parallel.forRanges(count) { r in for i in r { dx[i] = (s[i] > 0 && s[i] < 6) ? dy[i] : 0 } }
    case .hardsigmoid:
        Parallel.forRanges(count) { r in for i in r { dx[i] = (s[i] > 0 && s[i] < 1) ? dy[i] / 6 : 0 } }
    case .sigmoid:
        Parallel.forRanges(count) { r in for i in r { dx[i] = dy[i] * s[i] * (1 - s[i]) } }
    case .tanh:
        Parallel.forRanges(count) { r in for i in r { dx[i] = dy[i] * (1 - s[i] * s[i]) } }
    case .leakyRelu(let slope):
        let k = T(slope)
        Parallel.forRanges(count) { r in for i in r { dx[i] = s[i] > 0 ? dy[i] : dy[i] * k } }
    case .gelu:
        let k = T(inverseSqrt2), density = T(inverseSqrt2Pi)
        Parallel.forRanges(count, costPerItem: 10) { r in
            for i in r {
                let x = s[i]
                let cdf = 0.5 * (1 + T.erf(x * k))
                let pdf = density * T.exp(-0.5 * x * x)
                dx[i] = dy[i] * (cdf + x * pdf)
            }
        }
    case .silu:
        Parallel.forRanges(count, costPerItem: 8) { r in
            for i in r {
                let sig = logistic(s[i])
                dx[i] = dy[i] * sig * (1 + s[i] * (1 - sig))
            }
        }
    case .hardswish:
        Parallel.forRanges(count) { r in
            for i in r {
                let x = s[i]
                dx[i] = x < -3 ? 0 : (x <= 3 ? dy[i] * (x / 3 + 0.5) : dy[i])
            }
        }
    }
    return gradInput
}

/// ReLU's backward in fp32, sixteen lanes at a time: `dx = saved > 0 ? dy : 0` (aten threshold_backward). The
/// scalar select compiles to a branch per element, mispredicted about half the time on real activations.
private func reluBackward(dy: UnsafePointer<Float>, saved: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
                          count: Int) {
    Parallel.forRanges(count) { r in
        var i = r.lowerBound
        while i &+ 16 <= r.upperBound {
            let keep = UnsafeRawPointer(saved + i).loadUnaligned(as: SIMD16<Float>.self) .> 0
            let g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(dx + i).storeBytes(of: SIMD16<Float>(repeating: 0).replacing(with: g, where: keep),
                                                       as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < r.upperBound { dx[i] = saved[i] > 0 ? dy[i] : 0; i &+= 1 }
    }
}
