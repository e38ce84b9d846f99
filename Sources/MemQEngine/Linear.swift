// Fully connected layer (PyTorch `nn.Linear`): y = x W^T + b, forward and backward.

/// Linear forward `y = x W^T + b` (torch/nn/modules/linear.py; W is (out, in) as in PyTorch).
///
/// input (M, in) or (N, ..., in), weight (out, in), bias (out)? -> output (..., out)
/// One GEMM (`cblas_sgemm`/`dgemm`, NoTrans x Trans) over all M = count / in rows. No workspace.
/// Backward needs: `input` and `weight`.
@_specialize(where T == Float)
package func linearForward<T: EngineScalar>(
    input: Tensor<T>, weight: Tensor<T>, bias: Tensor<T>?, category: MemoryCategory = .activations
) -> Tensor<T> {
    precondition(weight.rank == 2, "linear weight must be (out, in), got \(weight.shape)")
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    precondition(input.rank >= 1 && input.shape.last == inFeatures, "linear input \(input.shape) vs weight \(weight.shape)")
    let rows = input.count / max(inFeatures, 1)
    let output = input.sibling(shape: Array(input.shape.dropLast()) + [outFeatures], category: category)
    // y (M, out) = x (M, in) x W^T (in, out)
    gemm(transposeB: true, m: rows, n: outFeatures, k: inFeatures,
         a: input.pointer, lda: inFeatures, b: weight.pointer, ldb: inFeatures,
         c: output.pointer, ldc: outFeatures)
    if let bias {
        precondition(bias.count == outFeatures, "linear bias has \(bias.count) elements for \(outFeatures) outputs")
        let y = output.pointer, b = bias.pointer
        Parallel.forEach(rows, costPerItem: outFeatures) { r in
            let row = y + r * outFeatures
            for o in 0..<outFeatures { row[o] += b[o] }
        }
    }
    return output
}

/// Linear backward: `dX = dY W`, `dW = dY^T X`, `db = sum over rows of dY`.
///
/// gradOutput (M, out), input (M, in), weight (out, in)
/// -> gradInput (M, in)? (when `computeGradInput`), gradWeight (out, in), gradBias (out)? (when `hasBias`)
/// Two GEMMs, no workspace.
@_specialize(where T == Float)
package func linearBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, input: Tensor<T>, weight: Tensor<T>, hasBias: Bool, computeGradInput: Bool = true,
    gradInputCategory: MemoryCategory = .gradients, parameterGradientCategory: MemoryCategory = .gradients
) -> (gradInput: Tensor<T>?, gradWeight: Tensor<T>, gradBias: Tensor<T>?) {
    let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
    let rows = input.count / max(inFeatures, 1)
    precondition(gradOutput.count == rows * outFeatures, "linear gradOutput \(gradOutput.shape) vs input \(input.shape)")
    var gradInput: Tensor<T>?
    if computeGradInput {
        let dx = input.sibling(shape: input.shape, category: gradInputCategory)
        // dX (M, in) = dY (M, out) x W (out, in)
        gemm(m: rows, n: inFeatures, k: outFeatures,
             a: gradOutput.pointer, lda: outFeatures, b: weight.pointer, ldb: inFeatures,
             c: dx.pointer, ldc: inFeatures)
        gradInput = dx
    }
    let gradWeight = input.sibling(shape: weight.shape, category: parameterGradientCategory)
    // dW (out, in) = dY^T (out, M) x X (M, in)
    gemm(transposeA: true, m: outFeatures, n: inFeatures, k: rows,
         a: gradOutput.pointer, lda: outFeatures, b: input.pointer, ldb: inFeatures,
         c: gradWeight.pointer, ldc: inFeatures)
    var gradBias: Tensor<T>?
    if hasBias {
        let db = input.sibling(shape: [outFeatures], category: parameterGradientCategory)
        let dy = gradOutput.pointer, sums = db.pointer
        Parallel.forRanges(outFeatures, costPerItem: rows) { columns in
            for r in 0..<rows {
                let row = dy + r * outFeatures
                for o in columns { sums[o] += row[o] }
            }
        }
        gradBias = db
    }
    return (gradInput, gradWeight, gradBias)
}
