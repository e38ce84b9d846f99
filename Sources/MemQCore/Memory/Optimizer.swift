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
    /// bitsandbytes' `AdamW` (32-bit state, no step tensor), `PagedAdamW`, `AdamW8bit`, `PagedAdamW8bit`.
    case bnbAdamW = "bnb-adamw"
    case pagedAdamW = "paged-adamw"
    case adamW8bit = "adamw8bit"
    case pagedAdamW8bit = "paged-adamw8bit"

    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "_", with: "-")
        if let o = Optimizer(rawValue: n) { self = o; return }
        switch n {
        case "sgd-momentum", "sgdm": self = .momentum
        case "adam-amsgrad": self = .amsgrad
        case "adamw-8bit": self = .adamW8bit
        case "paged-adamw-8bit", "pagedadamw8bit": self = .pagedAdamW8bit
        case "pagedadamw", "paged-adamw-32bit": self = .pagedAdamW
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
        case .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: 2
        }
    }

    /// bitsandbytes' optimizers (bitsandbytes/optim/optimizer.py `Optimizer2State`).
    public var isBitsAndBytes: Bool {
        switch self {
        case .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: true
        default: false
        }
    }

    /// Device bytes of each state tensor for one parameter tensor of `n` elements whose state type is `stateType`
    /// (`step` excluded). bitsandbytes (optim/optimizer.py `Optimizer2State.init_state`): 32-bit state1/state2 in
    /// float32; 8-bit, for tensors of at least `min_8bit_size` = 4096 elements, uint8 state1/state2 and float32
    /// absmax1/absmax2 per block of 256, smaller tensors 32-bit. Paged: state buffers of at least 1e5 elements are
    /// CUDA managed memory (`get_state_buffer`, `functional.get_paged`), outside the caching allocator; absmax stays.
    public func stateBytes(elements n: Int, stateType: DType) -> [Int] {
        guard isBitsAndBytes else { return [Int](repeating: n * stateType.byteSize, count: stateCopies) }
        let paged = (self == .pagedAdamW || self == .pagedAdamW8bit) && n >= 100_000
        if (self == .adamW8bit || self == .pagedAdamW8bit) && n >= 4096 {
            let blocks = (n + 255) / 256 * 4
            return (paged ? [] : [n, n]) + [blocks, blocks]
        }
        return paged ? [] : [n * 4, n * 4]
    }

    /// Device bytes the optimizer keeps once, beside the per-parameter state: the 8-bit optimizers' two 256-entry
    /// float32 quantization maps (`qmap1`, `qmap2`).
    public var sharedStateBytes: Int { self == .adamW8bit || self == .pagedAdamW8bit ? 2048 : 0 }

    /// Whether the state has a float32 `step` scalar tensor per parameter.
    public var hasStepTensor: Bool {
        switch self {
        case .adam, .adamw, .amsgrad, .rmsprop, .rmspropMomentum, .rmspropCentered, .adagrad: true
        case .sgd, .momentum, .nesterov, .lion, .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: false
        }
    }

    /// Whether torch.optim has a foreach implementation (Lion is not part of torch.optim).
    public var hasForeach: Bool { self != .lion && !isBitsAndBytes }

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
        // bitsandbytes updates in fused CUDA kernels (backends/cuda/ops.py): no scratch.
        case .sgd, .momentum, .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: (0, 0)
        case .nesterov: (1, 0)
        case .adam, .adamw, .amsgrad, .lion: (2, 1)
        case .rmsprop, .rmspropMomentum, .rmspropCentered, .adagrad: (1, 1)
        }
    }

    /// Scratch of the foreach implementation as a multiple of all parameters' bytes, live at once:
    /// Adam's `_foreach_sqrt(exp_avg_sqs)`, RMSprop's and Adagrad's `_foreach_sqrt`, Nesterov's `_foreach_add`.
    public var foreachScratch: Int {
        switch self {
        case .sgd, .momentum, .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: 0
        case .nesterov, .adam, .adamw, .amsgrad, .rmsprop, .rmspropMomentum, .adagrad: 1
        case .rmspropCentered: 1
        case .lion: 2
        }
    }
}
