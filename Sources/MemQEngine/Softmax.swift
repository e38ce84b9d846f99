// Softmax over the last dimension (torch.softmax(dim=-1)), forward and backward.

/// Softmax over the last dimension: `y_i = exp(x_i - max x) / sum_j exp(x_j - max x)`.
///
/// input (..., K) -> output (..., K). Parallel over rows. Backward needs: the output only.
@_specialize(where T == Float)
package func softmaxForward<T: EngineScalar>(_ input: Tensor<T>, category: MemoryCategory = .activations) -> Tensor<T> {
    precondition(input.rank >= 1, "softmax needs at least one dimension")
    let k = input.shape[input.rank - 1]
    let rows = k == 0 ? 0 : input.count / k
    let output = input.sibling(shape: input.shape, category: category)
    let x = input.pointer, y = output.pointer
    Parallel.forEach(rows, costPerItem: 4 * k) { r in
        softmaxRow(x + r * k, into: y + r * k, count: k)
    }
    return output
}

/// One numerically stable softmax row.
@inline(__always)
func softmaxRow<T: EngineScalar>(_ x: UnsafePointer<T>, into y: UnsafeMutablePointer<T>, count k: Int) {
    var largest = -T.infinity
    for i in 0..<k { largest = max(largest, x[i]) }
    var sum: T = 0
    for i in 0..<k {
        let e = T.exp(x[i] - largest)
        y[i] = e
        sum += e
    }
    let inverse = 1 / sum
    for i in 0..<k { y[i] *= inverse }
}

/// Softmax backward: `dx_i = y_i * (dy_i - sum_j dy_j y_j)` (aten/src/ATen/native/SoftMax.cpp, softmax_backward).
///
/// gradOutput (..., K), output (..., K) -> gradInput (..., K). Parallel over rows.
@_specialize(where T == Float)
package func softmaxBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, output: Tensor<T>, category: MemoryCategory = .gradients
) -> Tensor<T> {
    precondition(gradOutput.shape == output.shape, "softmax gradOutput \(gradOutput.shape) vs output \(output.shape)")
    let k = output.shape[output.rank - 1]
    let rows = k == 0 ? 0 : output.count / k
    let gradInput = output.sibling(shape: output.shape, category: category)
    let dy = gradOutput.pointer, y = output.pointer, dx = gradInput.pointer
    Parallel.forEach(rows, costPerItem: 3 * k) { r in
        let offset = r * k
        var dot: T = 0
        for i in offset..<(offset + k) { dot += dy[i] * y[i] }
        for i in offset..<(offset + k) { dx[i] = y[i] * (dy[i] - dot) }
    }
    return gradInput
}
