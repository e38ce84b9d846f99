// The engine optimizer for each of the estimator's optimizers.
import MemQCore

/// Builds the engine optimizer that implements a `MemQCore.Optimizer` with PyTorch's default hyper-parameters.
enum GraphOptimizerFactory {
    /// The optimizer, with `learningRate` or PyTorch's default for it (SGD variants 0.01, Adam family 1e-3,
    /// RMSprop and Adagrad 0.01, Lion 1e-4); momentum 0.9 for the momentum variants.
    static func make<T: EngineScalar>(_ kind: MemQCore.Optimizer, learningRate: Double?, as _: T.Type) -> any MemQEngine.Optimizer<T> {
        switch kind {
        case .sgd: SGD<T>(learningRate: learningRate ?? 0.01)
        case .momentum: SGD<T>(learningRate: learningRate ?? 0.01, momentum: 0.9)
        case .nesterov: SGD<T>(learningRate: learningRate ?? 0.01, momentum: 0.9, nesterov: true)
        case .adam: Adam<T>(learningRate: learningRate ?? 1e-3)
        case .adamw: Adam<T>.adamW(learningRate: learningRate ?? 1e-3)
        case .amsgrad: Adam<T>(learningRate: learningRate ?? 1e-3, amsgrad: true)
        case .rmsprop: RMSprop<T>(learningRate: learningRate ?? 1e-2)
        case .rmspropMomentum: RMSprop<T>(learningRate: learningRate ?? 1e-2, momentum: 0.9)
        case .rmspropCentered: RMSprop<T>(learningRate: learningRate ?? 1e-2, centered: true)
        case .adagrad: Adagrad<T>(learningRate: learningRate ?? 1e-2)
        case .lion: Lion<T>(learningRate: learningRate ?? 1e-4)
        // bitsandbytes' optimizers are estimated, not run: `memq validate` refuses them before an engine is built.
        case .bnbAdamW, .pagedAdamW, .adamW8bit, .pagedAdamW8bit: Adam<T>.adamW(learningRate: learningRate ?? 1e-3)
        }
    }
}
