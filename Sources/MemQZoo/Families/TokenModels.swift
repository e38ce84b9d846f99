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

    /// A tied token embedding's lookup when its weight is owned by the LM head.
    ///
    /// MemQCore has no weight-sharing op, so one of the two users of a tied matrix must own it. The LM head
    /// (`Linear(E, V)` without bias) owns it: one weight, one gradient, one optimizer state, as PyTorch has for the
    /// shared `Parameter`, and the head's `S*E*V` MACs. The lookup is then a parameterless stand-in with the lookup's
    /// output, `[S, E]` in the compute dtype: the ids viewed as `[1, S, 1]`, zero-padded to `[1, S, E]`, viewed as
    /// `[S, E]`. Not modelled: the dense `[V, E]` gradient the real lookup's backward adds into the shared gradient.
    static func tiedLookup(_ b: inout GraphBuilder, _ ids: String, _ local: String, seq: Int, dim: Int) -> String {
        b.scoped(local) { b in
            var y = b.reshape(ids, "ids_view", shape: [1, seq, 1])
            y = b.add("tied_lookup", .pad2d([0, dim - 1, 0, 0]), [y])
            return b.reshape(y, "view", shape: [seq, dim])
        }
    }
}
