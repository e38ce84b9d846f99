// Elementwise multiplication with broadcasting (squeeze-excite's scale), forward and backward.

/// Elementwise `a * b` with NumPy/PyTorch broadcasting, e.g. (N, C, H, W) * (N, C, 1, 1) in squeeze-excite.
///
/// a (shape A), b (shape B) -> output (broadcast(A, B)). Backward needs: `b` for gradA and `a` for gradB.
@_specialize(where T == Float)
package func mulForward<T: EngineScalar>(_ a: Tensor<T>, _ b: Tensor<T>, category: MemoryCategory = .activations) -> Tensor<T> {
    broadcastBinary(a, b, category: category) { $0 * $1 }
}

/// Multiplication backward: `gradA = reduce_A(gradOutput * b)`, `gradB = reduce_B(gradOutput * a)`.
///
/// gradOutput (broadcast(A, B)), a (A), b (B) -> gradA (A)? (when `computeGradA`), gradB (B)? (when `computeGradB`).
/// Fused multiply-and-reduce: for (N, C, H, W) * (N, C, 1, 1) the (N, C, 1, 1) gradient is a per-(n, c) sum of
/// gradOutput * a, parallel over (n, c), with no full-size temporary. No workspace.
@_specialize(where T == Float)
package func mulBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, a: Tensor<T>, b: Tensor<T>, computeGradA: Bool = true, computeGradB: Bool = true,
    category: MemoryCategory = .gradients
) -> (gradA: Tensor<T>?, gradB: Tensor<T>?) {
    let plan = BroadcastPlan(a.shape, b.shape)
    precondition(gradOutput.shape == plan.outputShape, "mul gradOutput \(gradOutput.shape) != \(plan.outputShape)")
    let gradA = computeGradA
        ? broadcastGradient(gradOutput: gradOutput, firstShape: a.shape, second: b, plan: plan, category: category) : nil
    let gradB = computeGradB
        ? broadcastGradient(gradOutput: gradOutput, firstShape: b.shape, second: a, plan: plan.swapped, category: category)
        : nil
    return (gradA, gradB)
}
