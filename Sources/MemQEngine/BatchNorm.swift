// Batch normalisation over (N, C) or (N, C, H, W) (PyTorch `nn.BatchNorm1d/2d`), forward and backward.

/// Batch-norm forward in train mode: normalise with batch statistics and update the running statistics.
///
/// input (N, C, *) (e.g. (N, C) or (N, C, H, W)), weight/bias (C)?, runningMean/runningVar (C)?
/// -> output (N, C, *), saveMean (C), saveInvstd (C) (`category`, like the output)
///
/// Per channel over the M = N * H * W values (aten/src/ATen/native/Normalization.cpp, batch_norm_cpu):
///   mean = sum(x) / M,  var = sum((x - mean)^2) / M (biased, used to normalise),  invstd = 1 / sqrt(var + eps)
///   y = (x - mean) * invstd * weight + bias
///   runningMean = (1 - momentum) * runningMean + momentum * mean
///   runningVar  = (1 - momentum) * runningVar + momentum * var * M / (M - 1)   (unbiased, as PyTorch)
/// Parallel over channels. Backward needs: `input`, `weight`, `saveMean`, `saveInvstd` (not the output).
@_specialize(where T == Float)
package func batchNormForward<T: EngineScalar>(
    input: Tensor<T>, weight: Tensor<T>?, bias: Tensor<T>?,
    runningMean: Tensor<T>?, runningVar: Tensor<T>?,
    momentum: Double = 0.1, eps: Double = 1e-5, category: MemoryCategory = .activations
) -> (output: Tensor<T>, saveMean: Tensor<T>, saveInvstd: Tensor<T>) {
    precondition(input.rank >= 2, "batch norm input must be (N, C, *), got \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    let spatial = input.count / max(n * c, 1)
    let m = n * spatial
    precondition(m > 1, "batch norm in training needs more than one value per channel, got input \(input.shape)")
    let output = input.sibling(shape: input.shape, category: category)
    let saveMean = input.sibling(shape: [c], category: category)
    let saveInvstd = input.sibling(shape: [c], category: category)
    let x = input.pointer, y = output.pointer
    let gamma = weight?.pointer, beta = bias?.pointer
    let rMean = runningMean?.pointer, rVar = runningVar?.pointer
    let sMean = saveMean.pointer, sInvstd = saveInvstd.pointer
    let mom = T(momentum), epsilon = T(eps)
    let count = T(m)
    Parallel.forEach(c, costPerItem: 3 * m) { ch in
        var sum: T = 0
        for i in 0..<n { sum += Reductions.sum(x + (i * c + ch) * spatial, count: spatial) }
        let mean = sum / count
        var squares: T = 0
        for i in 0..<n { squares += Reductions.sumOfSquares(x + (i * c + ch) * spatial, count: spatial, center: mean) }
        let variance = squares / count
        let invstd = 1 / (variance + epsilon).squareRoot()
        sMean[ch] = mean
        sInvstd[ch] = invstd
        if let rMean { rMean[ch] = (1 - mom) * rMean[ch] + mom * mean }
        if let rVar { rVar[ch] = (1 - mom) * rVar[ch] + mom * squares / (count - 1) }
        let scale = invstd * (gamma?[ch] ?? 1)
        let shift = (beta?[ch] ?? 0) - mean * scale
        for i in 0..<n {
            let offset = (i * c + ch) * spatial
            for s in 0..<spatial { y[offset + s] = x[offset + s] * scale + shift }
        }
    }
    return (output, saveMean, saveInvstd)
}

/// Batch-norm forward in eval mode: normalise with the running statistics, `y = (x - rm) / sqrt(rv + eps) * w + b`.
///
/// input (N, C, *), weight/bias (C)?, runningMean/runningVar (C) -> output (N, C, *). Nothing is saved.
@_specialize(where T == Float)
package func batchNormInference<T: EngineScalar>(
    input: Tensor<T>, weight: Tensor<T>?, bias: Tensor<T>?, runningMean: Tensor<T>, runningVar: Tensor<T>,
    eps: Double = 1e-5, category: MemoryCategory = .activations
) -> Tensor<T> {
    let n = input.shape[0], c = input.shape[1]
    let spatial = input.count / max(n * c, 1)
    let output = input.sibling(shape: input.shape, category: category)
    let x = input.pointer, y = output.pointer
    let gamma = weight?.pointer, beta = bias?.pointer, rMean = runningMean.pointer, rVar = runningVar.pointer
    let epsilon = T(eps)
    Parallel.forEach(n * c, costPerItem: spatial) { nc in
        let ch = nc % c
        let scale = (gamma?[ch] ?? 1) / (rVar[ch] + epsilon).squareRoot()
        let shift = (beta?[ch] ?? 0) - rMean[ch] * scale
        let offset = nc * spatial
        for s in 0..<spatial { y[offset + s] = x[offset + s] * scale + shift }
    }
    return output
}

/// Batch-norm backward (train mode), from the saved batch statistics.
///
/// gradOutput (N, C, *), input (N, C, *), weight (C)?, saveMean (C), saveInvstd (C)
/// -> gradInput (N, C, *)? (when `computeGradInput`), gradWeight (C)?, gradBias (C)? (when `hasAffine`)
///
/// With xhat = (x - mean) * invstd, per channel over M values
/// (aten/src/ATen/native/Normalization.cpp, batch_norm_backward_cpu_template):
///   gradBias = sum(dy),  gradWeight = sum(dy * xhat)
///   dx = weight * invstd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M)
/// Parallel over channels; no workspace.
@_specialize(where T == Float)
package func batchNormBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, input: Tensor<T>, weight: Tensor<T>?, saveMean: Tensor<T>, saveInvstd: Tensor<T>,
    hasAffine: Bool, computeGradInput: Bool = true,
    gradInputCategory: MemoryCategory = .gradients, parameterGradientCategory: MemoryCategory = .gradients
) -> (gradInput: Tensor<T>?, gradWeight: Tensor<T>?, gradBias: Tensor<T>?) {
    precondition(gradOutput.shape == input.shape, "batch norm gradOutput \(gradOutput.shape) vs input \(input.shape)")
    let n = input.shape[0], c = input.shape[1]
    let spatial = input.count / max(n * c, 1)
    let m = n * spatial
    let gradInput: Tensor<T>? = computeGradInput ? input.sibling(shape: input.shape, category: gradInputCategory) : nil
    let gradWeight: Tensor<T>? = hasAffine ? input.sibling(shape: [c], category: parameterGradientCategory) : nil
    let gradBias: Tensor<T>? = hasAffine ? input.sibling(shape: [c], category: parameterGradientCategory) : nil
    let x = input.pointer, dy = gradOutput.pointer
    let dx = gradInput?.pointer, dGamma = gradWeight?.pointer, dBeta = gradBias?.pointer
    let gamma = weight?.pointer, sMean = saveMean.pointer, sInvstd = saveInvstd.pointer
    let count = T(m)
    Parallel.forEach(c, costPerItem: 3 * m) { ch in
        let mean = sMean[ch], invstd = sInvstd[ch]
        var sumDy: T = 0, sumDyCentered: T = 0
        for i in 0..<n {
            let offset = (i * c + ch) * spatial
            let (rowSum, rowDot) = Reductions.sumAndCenteredDot(dy + offset, x + offset, count: spatial, center: mean)
            sumDy += rowSum
            sumDyCentered += rowDot
        }
        dBeta?[ch] = sumDy
        dGamma?[ch] = sumDyCentered * invstd
        guard let dx else { return }
        let scale = (gamma?[ch] ?? 1) * invstd
        let meanDy = sumDy / count
        // xhat * sum(dy * xhat) / M = (x - mean) * invstd^2 * sum(dy * (x - mean)) / M
        let projection = invstd * invstd * sumDyCentered / count
        for i in 0..<n {
            let offset = (i * c + ch) * spatial
            for s in 0..<spatial {
                dx[offset + s] = scale * (dy[offset + s] - meanDy - (x[offset + s] - mean) * projection)
            }
        }
    }
    return (gradInput, gradWeight, gradBias)
}
