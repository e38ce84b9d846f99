// Shared helpers for the engine tests: seeded data, central-difference gradient checks, naive references.
import MemQEngine

/// Uniform values in [-scale, scale) from `seed`, moved at least `margin` away from each point in `kinks`.
func randomValues(_ count: Int, seed: UInt64, scale: Double = 1, kinks: [Double] = [], margin: Double = 1e-3) -> [Double] {
    var random = EngineRandom(seed: seed)
    return (0..<count).map { _ in
        var value = (random.nextUnit() * 2 - 1) * scale
        for kink in kinks where abs(value - kink) < margin {
            value = kink + (value >= kink ? margin : -margin)
        }
        return value
    }
}

/// A Double tensor of seeded uniform values in [-scale, scale), kept `margin` away from `kinks`.
func randomTensor(_ shape: [Int], seed: UInt64, allocator: EngineAllocator, category: MemoryCategory = .input,
                  scale: Double = 1, kinks: [Double] = []) -> Tensor<Double> {
    Tensor(shape: shape, values: randomValues(shape.reduce(1, *), seed: seed, scale: scale, kinks: kinks),
           category: category, allocator: allocator)
}

/// A Double tensor holding a seeded permutation of 0, 1/count, ..., (count-1)/count: all distinct, no near-ties.
func distinctTensor(_ shape: [Int], seed: UInt64, allocator: EngineAllocator) -> Tensor<Double> {
    let count = shape.reduce(1, *)
    var random = EngineRandom(seed: seed)
    let values = (0..<count).map { Double($0) / Double(count) - 0.5 }.shuffled(using: &random)
    return Tensor(shape: shape, values: values, category: .input, allocator: allocator)
}

/// sum_i output[i] * weights[i]: a scalar loss whose gradient with respect to `output` is `weights`.
func weightedSum(_ output: Tensor<Double>, _ weights: Tensor<Double>) -> Double {
    precondition(output.count == weights.count)
    var sum = 0.0
    for i in 0..<output.count { sum += output[i] * weights[i] }
    return sum
}

/// For each input, max |analytic - numeric| / max(max |numeric|, max |analytic|, 1e-12), where numeric is the
/// central difference (L(x + h) - L(x - h)) / 2h of `loss`, perturbing the inputs in place (and restoring them).
func gradientErrors(inputs: [Tensor<Double>], analytic: [Tensor<Double>], step: Double = 1e-5,
                    loss: () -> Double) -> [Double] {
    precondition(inputs.count == analytic.count)
    return zip(inputs, analytic).map { input, gradient in
        precondition(input.count == gradient.count, "gradient \(gradient.shape) for input \(input.shape)")
        var worst = 0.0, scale = 1e-12
        for i in 0..<input.count {
            let original = input[i]
            input[i] = original + step
            let plus = loss()
            input[i] = original - step
            let minus = loss()
            input[i] = original
            let numeric = (plus - minus) / (2 * step)
            worst = max(worst, abs(numeric - gradient[i]))
            scale = max(scale, abs(numeric), abs(gradient[i]))
        }
        return worst / scale
    }
}

/// Largest absolute elementwise difference of two equally sized tensors.
func maxDifference(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    precondition(a.count == b.count, "\(a.shape) vs \(b.shape)")
    var worst = 0.0
    for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}

/// Direct seven-loop convolution, the reference for conv2dForward.
func referenceConv2d(input: Tensor<Double>, weight: Tensor<Double>, bias: Tensor<Double>?,
                     options o: Conv2dOptions) -> [Double] {
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (k, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    let kg = k / o.groups
    let p = (h + 2 * o.paddingH - o.dilationH * (kh - 1) - 1) / o.strideH + 1
    let q = (w + 2 * o.paddingW - o.dilationW * (kw - 1) - 1) / o.strideW + 1
    var out = [Double](repeating: 0, count: n * k * p * q)
    for s in 0..<n {
        for oc in 0..<k {
            let group = oc / kg
            for pp in 0..<p {
                for qq in 0..<q {
                    var sum = bias?[oc] ?? 0
                    for ic in 0..<cg {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let ih = pp * o.strideH - o.paddingH + i * o.dilationH
                                let iw = qq * o.strideW - o.paddingW + j * o.dilationW
                                if ih < 0 || ih >= h || iw < 0 || iw >= w { continue }
                                let x = input[((s * c + group * cg + ic) * h + ih) * w + iw]
                                sum += x * weight[((oc * cg + ic) * kh + i) * kw + j]
                            }
                        }
                    }
                    out[((s * k + oc) * p + pp) * q + qq] = sum
                }
            }
        }
    }
    return out
}

/// Largest absolute difference between a tensor and an array.
func maxDifference(_ a: Tensor<Double>, _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.shape) vs \(b.count) values")
    var worst = 0.0
    for i in 0..<a.count { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}
