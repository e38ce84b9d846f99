// The optimizer state of all parameters, keyed by parameter identity.

/// Per-parameter slots keyed by the parameter's object identity.
///
/// The key is `ObjectIdentifier(parameter)`: keep the parameter tensors alive for the optimizer's lifetime (a freed
/// parameter's address could be reused by a new tensor), as a model's weights are.
struct OptimizerState<Scalar: EngineScalar> {
    private var slots: [ObjectIdentifier: OptimizerSlot<Scalar>] = [:]

    /// The slot of `parameter`, created with `count` state tensors on first use; `isNew` tells whether it was.
    mutating func slot(for parameter: Tensor<Scalar>, tensors count: Int) -> (slot: OptimizerSlot<Scalar>, isNew: Bool) {
        let key = ObjectIdentifier(parameter)
        if let existing = slots[key] { return (existing, false) }
        let created = OptimizerSlot(count: count, like: parameter)
        slots[key] = created
        return (created, true)
    }

    /// Frees every slot.
    mutating func removeAll() { slots.removeAll() }
}
