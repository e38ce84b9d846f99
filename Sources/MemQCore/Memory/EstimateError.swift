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
    /// A `freeze` prefix covers no node (`Graph.name(_:isUnder:)`); `topLevel` lists the first components of the
    /// model's node names, in graph order.
    case freezeMatchesNothing(prefix: String, topLevel: [String])
    /// A `checkpoint` `blocks:` name covers no block; `blocks` lists the model's blocks (possibly none).
    case checkpointBlockNotFound(name: String, blocks: [String])
    /// `checkpoint` `every:K` with K above the number of blocks, or a model without blocks.
    case checkpointBeyondBlocks(every: Int, blocks: [String])
    /// A LoRA target names no linear layer; `linears` lists the last name components of the model's linear layers.
    case loraTargetMatchesNothing(target: String, linears: [String])
    /// The request's `WorkBudget` ran out.
    case timedOut(seconds: Double)

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
        case .freezeMatchesNothing(let prefix, let topLevel):
            "option 'freeze': prefix '\(prefix)' matches no node (a prefix names a node or a dotted parent: layer1 "
                + "covers layer1.0.conv1); top-level names are: \(Self.list(topLevel))"
        case .checkpointBlockNotFound(let name, let blocks) where blocks.isEmpty:
            "option 'checkpoint': no block '\(name)': \(Self.noBlocks)"
        case .checkpointBlockNotFound(let name, let blocks):
            "option 'checkpoint': '\(name)' matches no block (a name covers the block itself and those under it); "
                + "blocks are: \(Self.list(blocks))"
        case .checkpointBeyondBlocks(let k, let blocks) where blocks.isEmpty:
            "option 'checkpoint': every:\(k): \(Self.noBlocks)"
        case .checkpointBeyondBlocks(let k, let blocks):
            "option 'checkpoint': every:\(k) needs at least \(k) blocks; the model has \(blocks.count) blocks "
                + "(every:1 to every:\(blocks.count)): \(Self.list(blocks))"
        case .timedOut(let seconds):
            "the request took longer than this daemon's limit of \(seconds) s (request-timeout-seconds); ask for less "
                + "at once (fewer batches, dtypes or GPUs, a smaller model) or raise the limit"
        case .loraTargetMatchesNothing(let target, let linears):
            "option 'lora': target '\(target)' matches no linear layer (a target names a layer or its last name "
                + "components, as peft matches target_modules); linear layers are: \(Self.list(linears))"
        }
    }

    /// The request field at fault: `batch`, `budget`, `freeze`, `checkpoint`, ... (`model` for a model error).
    public var field: String {
        switch self {
        case .invalidOption(let field, _), .overflow(let field, _): field
        case .budgetBelowFixedMemory, .budgetBelowBatchOne: "budget"
        case .model: "model"
        case .freezeMatchesNothing: "freeze"
        case .checkpointBlockNotFound, .checkpointBeyondBlocks: "checkpoint"
        case .loraTargetMatchesNothing: "lora"
        case .timedOut: "request"
        }
    }

    private static let noBlocks =
        "the model names no blocks, so nothing can be checkpointed (a node's 'block' field names one, docs/model-spec.md)"

    /// `a, b, c`; past 16 names the first 12, an ellipsis, the last 3 and the count.
    private static func list(_ names: [String]) -> String {
        guard names.count > 16 else { return names.joined(separator: ", ") }
        return (names.prefix(12) + ["…"] + names.suffix(3)).joined(separator: ", ") + " (\(names.count) in all)"
    }
}

/// Binary-unit rendering used in messages: `ByteCount`'s formatting (one formatter for the whole project).
public enum ByteFormat {
    /// `1.50 GiB`, `512.0 MiB`, `980 B`.
    public static func binary(_ bytes: Int) -> String { ByteCount(bytes).formatted() }
}
