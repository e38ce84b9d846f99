/// Why an estimate could not be made. Every message names the option at fault and what would be valid.
public enum EstimateError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOption(field: String, message: String)
    /// The budget cannot hold even what does not depend on the batch.
    case budgetBelowFixedMemory(budget: Int, fixed: Int, detail: String)
    /// Batch 1 does not fit.
    case budgetBelowBatchOne(budget: Int, batchOnePeak: Int)
    /// The figures exceed 64 bits.
    case overflow(field: String, message: String)
    case model(ModelError)

    public var description: String {
        switch self {
        case .invalidOption(let field, let message):
            "option '\(field)': \(message)"
        case .budgetBelowFixedMemory(let budget, let fixed, let detail):
            "budget of \(ByteFormat.binary(budget)) is smaller than the memory that does not depend on the batch, \(ByteFormat.binary(fixed)) (\(detail)); no batch fits — use a larger budget or GPU, a smaller model, bf16, or ZeRO sharding"
        case .budgetBelowBatchOne(let budget, let peak):
            "even batch 1 needs \(ByteFormat.binary(peak)), more than the budget of \(ByteFormat.binary(budget)); try activation checkpointing, a smaller input, or a larger budget"
        case .overflow(let field, let message):
            "option '\(field)': \(message)"
        case .model(let e):
            e.description
        }
    }
}

/// Binary-unit rendering used in messages: `ByteCount`'s formatting (one formatter for the whole project).
public enum ByteFormat {
    /// `1.50 GiB`, `512.0 MiB`, `980 B`.
    public static func binary(_ bytes: Int) -> String { ByteCount(bytes).formatted() }
}
