// Elementwise addition with broadcasting, its backward, and in-place accumulation of gradients.

/// Elementwise `a + b` with NumPy/PyTorch broadcasting (e.g. a residual add, or a bias (C, 1, 1) onto (N, C, H, W)).
///
/// a (shape A), b (shape B) -> output (broadcast(A, B)). Backward needs: only the two input shapes.
@_specialize(where T == Float)
package func addForward<T: EngineScalar>(_ a: Tensor<T>, _ b: Tensor<T>, category: MemoryCategory = .activations) -> Tensor<T> {
    broadcastBinary(a, b, category: category) { $0 + $1 }
}

/// Addition backward: each operand's gradient is `gradOutput` summed over the dimensions it was broadcast along.
///
/// gradOutput (broadcast(A, B)) -> gradA (A), gradB (B). An operand with as many elements as the output gets
/// `gradOutput` ITSELF (the same buffer, reshaped as a view if needed; no allocation, as PyTorch passes it
/// through), so callers must not update those gradients in place while the other is still needed.
@_specialize(where T == Float)
package func addBackward<T: EngineScalar>(
    gradOutput: Tensor<T>, aShape: [Int], bShape: [Int], category: MemoryCategory = .gradients
) -> (gradA: Tensor<T>, gradB: Tensor<T>) {
    let plan = BroadcastPlan(aShape, bShape)
    precondition(gradOutput.shape == plan.outputShape, "add gradOutput \(gradOutput.shape) != \(plan.outputShape)")
    func gradient(_ shape: [Int], _ plan: BroadcastPlan) -> Tensor<T> {
        if plan.firstFull { return shape == gradOutput.shape ? gradOutput : gradOutput.reshaped(shape) }
        return broadcastGradient(gradOutput: gradOutput, firstShape: shape, second: nil, plan: plan, category: category)
    }
    return (gradient(aShape, plan), gradient(bShape, plan.swapped))
}

/// Accumulates `source` into `target` in place (`target += source`, equal element counts); no allocation.
///
/// For summing the gradients of a tensor used by several ops (a residual branch). Parallel on large tensors.
@_specialize(where T == Float)
package func addInPlace<T: EngineScalar>(_ target: Tensor<T>, _ source: Tensor<T>) {
    precondition(target.count == source.count, "addInPlace \(target.shape) += \(source.shape)")
    let t = target.pointer, s = source.pointer
    Parallel.forRanges(target.count) { r in for i in r { t[i] += s[i] } }
}
