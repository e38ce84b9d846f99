import MemQCore

/// Shared pieces of the token-sequence models (BERT, GPT-2, LLaMA): per-sample input `[seqLen]` of int64 ids.
enum TokenModels {
    /// Checks a token-sequence input `[seqLen]` against the model's position limit.
    static func sequenceLength(_ input: [Int], model: String, maxPositions: Int?) throws(ModelError) -> Int {
        guard input.count == 1, let s = input.first, s > 0 else {
            throw .invalidValue(node: "input_ids", field: "shape",
                                message: "\(model) reads one sequence of token ids per sample: give its length, e.g. [1024], got \(input)")
        }
        if let maxPositions, s > maxPositions {
            throw .invalidValue(node: "input_ids", field: "shape",
                                message: "\(model) has \(maxPositions) learned positions; the sequence length must be at most \(maxPositions), got \(s)")
        }
        return s
    }
}
