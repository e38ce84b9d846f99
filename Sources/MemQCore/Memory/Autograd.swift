/// A node of the simulated autograd graph: what its backward allocates and where its gradients go.
///
/// The engine's rules (torch/csrc/autograd/engine.cpp, input_buffer.cpp): ready nodes run largest sequence
/// number first, AccumulateGrad nodes first of all; a node allocates its output gradients, releases its
/// incoming gradient and its saved tensors, then hands each output to the next node's input buffer, where a
/// second arrival is summed out of place.
struct GradFn {
    /// Creation order in the forward pass; `Int.max` for AccumulateGrad.
    var seq: Int
    /// Storages the node keeps for its backward.
    var saved: [Int]
    /// For each output gradient, the node it goes to (-1: nowhere).
    var edges: [Int]
    var plan: BackwardPlan
    /// Whether this is a parameter's AccumulateGrad (its incoming gradient becomes `param.grad`).
    var isAccumulate: Bool
    /// Under gradient accumulation the parameter already has a `.grad`: the new one is added in place and freed.
    var accumulatesInPlace = false
    /// A non-parameter leaf's AccumulateGrad (`tensor.requires_grad_(True)`): its gradient becomes `tensor.grad`,
    /// kept with the graph until the model's output is rebound.
    var keepsGradient = false
    /// Per edge, the bytes of the gradient it sends when that is a view of a larger incoming gradient (cat's
    /// backward hands each input a `narrow` of it); empty when every output is its storage's whole size.
    var edgeBytes: [Int] = []
    var buffer = -1
    var hasBuffer = false
    var deps = 0
}

/// The allocations of a node's backward, op by op, and which of them each edge receives.
struct BackwardPlan {
    enum Out {
        /// No gradient for this edge.
        case none
        /// The k-th allocation of the plan.
        case alloc(Int)
        /// A view of the incoming gradient (add, cat, views).
        case incoming
    }

    /// Kernels in order: the event name and the bytes each allocates; the peak is sampled after each.
    var ops: [(event: String, bytes: [Int])] = []
    /// One per edge.
    var outputs: [Out] = []
    /// Allocations released when the node finishes (scratch not handed on).
    var scratch: [Int] = []

    static let none = BackwardPlan()

    /// Appends a kernel that allocates `bytes` (zero-byte entries are skipped by the ledger) and returns the
    /// indices of its allocations.
    @discardableResult
    mutating func op(_ event: String, _ bytes: Int...) -> [Int] { op(event, bytes) }

    @discardableResult
    mutating func op(_ event: String, _ bytes: [Int]) -> [Int] {
        let start = ops.reduce(0) { $0 + $1.bytes.count }
        ops.append((event, bytes))
        return Array(start..<(start + bytes.count))
    }
}
