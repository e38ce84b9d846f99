/// A training optimizer, with the state it keeps per parameter and the scratch its step allocates.
///
/// State (torch/optim/*.py): SGD none; momentum and Nesterov one buffer; Adam and AdamW `exp_avg` and
/// `exp_avg_sq` (plus `max_exp_avg_sq` with AMSGrad) and a float32 `step` scalar per parameter tensor;
/// RMSprop `square_avg` (+ `momentum_buffer`, + `grad_avg` when centered) and `step`; Adagrad `sum` and
/// `step`; Lion (Chen et al. 2023, lion-pytorch) `exp_avg`.
public enum Optimizer: String, Sendable, Hashable, CaseIterable {
    case sgd, momentum, nesterov, adam, adamw, amsgrad
    case rmsprop
    case rmspropMomentum = "rmsprop-momentum"
    case rmspropCentered = "rmsprop-centered"
    case adagrad, lion

    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let o = Optimizer(rawValue: n) { self = o; return }
        switch n {
        case "sgd-momentum", "sgdm": self = .momentum
        case "adam-amsgrad": self = .amsgrad
        default: return nil
        }
    }

    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Full-size state tensors per parameter.
    public var stateCopies: Int {
        switch self {
        case .sgd: 0
        case .momentum, .nesterov, .rmsprop, .adagrad, .lion: 1
        case .adam, .adamw, .rmspropMomentum, .rmspropCentered: 2
        case .amsgrad: 3
        }
    }

    /// Whether the state has a float32 `step` scalar tensor per parameter.
    public var hasStepTensor: Bool {
        switch self {
        case .adam, .adamw, .amsgrad, .rmsprop, .rmspropMomentum, .rmspropCentered, .adagrad: true
        case .sgd, .momentum, .nesterov, .lion: false
        }
    }

    /// Whether torch.optim has a foreach implementation (Lion is not part of torch.optim).
    public var hasForeach: Bool { self != .lion }

    /// Scratch of the per-parameter loop (`_single_tensor_*`), as multiples of parameter i's bytes that are live
    /// together at the step's worst moment, with the previous parameter's leftover.
    ///
    /// - Adam/AdamW/AMSGrad: `denom = (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)`: the sqrt and the division are
    ///   both live (2 P_i) while the previous parameter's `denom` is not yet rebound (P_{i-1}).
    /// - RMSprop / Adagrad: `avg = square_avg.sqrt().add_(eps)` (centered: `addcmul(...).sqrt_()`): P_i + P_{i-1}.
    /// - Nesterov: `grad = grad.add(buf, alpha=momentum)`: P_i, freed at the next iteration's rebinding.
    /// - Lion: `exp_avg.clone().mul_(b1).add(grad, alpha=1-b1).sign_()`: clone and sum (2 P_i) + P_{i-1}.
    public var loopScratch: (current: Int, previous: Int) {
        switch self {
        case .sgd, .momentum: (0, 0)
        case .nesterov: (1, 0)
        case .adam, .adamw, .amsgrad, .lion: (2, 1)
        case .rmsprop, .rmspropMomentum, .rmspropCentered, .adagrad: (1, 1)
        }
    }

    /// Scratch of the foreach implementation as a multiple of all parameters' bytes, live at once:
    /// Adam's `_foreach_sqrt(exp_avg_sqs)`, RMSprop's and Adagrad's `_foreach_sqrt`, Nesterov's `_foreach_add`.
    public var foreachScratch: Int {
        switch self {
        case .sgd, .momentum: 0
        case .nesterov, .adam, .adamw, .amsgrad, .rmsprop, .rmspropMomentum, .adagrad: 1
        case .rmspropCentered: 1
        case .lion: 2
        }
    }
}
