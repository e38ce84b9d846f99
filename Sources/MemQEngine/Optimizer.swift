// The interface shared by the optimizers, and the per-parameter state they keep.

/// A first-order optimizer that updates parameters in place from their gradients (PyTorch `torch.optim` semantics).
///
/// State is per parameter, keyed by the parameter tensor's identity, and allocated lazily on that parameter's first
/// update, in category `optimizerState` of the parameter's allocator (each state tensor has the parameter's shape).
/// Every update is one fused pass over the elements (parallel in chunks), so no optimizer allocates scratch:
/// `scratchTensorsPerUpdate` is 0 for all of them. The step counter of Adam/RMSprop/Adagrad is a Swift `Int`,
/// not an allocated tensor. Not thread-safe: call from one thread.
package protocol Optimizer<Scalar>: AnyObject {
    /// The parameters' element type.
    associatedtype Scalar: EngineScalar

    /// Parameter-sized tensors kept per parameter between steps (category `optimizerState`).
    var stateTensorsPerParameter: Int { get }

    /// Parameter-sized tensors allocated and freed during one parameter's update (category `temporary`).
    var scratchTensorsPerUpdate: Int { get }

    /// Updates `parameter` in place from `gradient` (same shape), creating its state on first sight.
    func update(parameter: Tensor<Scalar>, gradient: Tensor<Scalar>)

    /// Drops the state of every parameter (frees the `optimizerState` tensors).
    func resetState()
}

extension Optimizer {
    /// One optimizer step: `update` for each (parameter, gradient) pair, in order.
    package func step(parameters: [Tensor<Scalar>], gradients: [Tensor<Scalar>]) {
        precondition(parameters.count == gradients.count, "\(parameters.count) parameters, \(gradients.count) gradients")
        for (parameter, gradient) in zip(parameters, gradients) {
            update(parameter: parameter, gradient: gradient)
        }
    }
}
