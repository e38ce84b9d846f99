import MemQCore

/// The zoo's transformers (BERT, GPT-2, LLaMA): Hugging Face configs built by `HFModels`, the same builder a
/// user's `config.json` goes through. Per-sample input `[seqLen]` of int64 ids.
enum TokenModels {
    /// A zoo entry for a Hugging Face config given as its `config.json` keys.
    static func entry(_ name: String, family: String, defaultSeq: Int, config: [String: JSONValue]) -> ZooEntry {
        let json = JSONValue.object(config)
        return ZooEntry(name: name, family: family, defaultInput: [defaultSeq], inputDType: .int64, hfConfig: json) { input throws(ModelError) in
            try build(name, json, input: input, options: HFBuildOptions())
        }
    }

    /// Builds the entry for `input` (`[seqLen]`) with the attention options of the query.
    static func build(_ name: String, _ json: JSONValue, input: [Int], options: HFBuildOptions) throws(ModelError) -> Graph {
        guard input.count == 1, let s = input.first, s > 0 else {
            throw .invalidValue(node: "input_ids", field: "shape",
                                message: "\(name) reads one sequence of token ids per sample: give its length, e.g. [1024], got \(input)")
        }
        return try HFModels.build(try HFConfig(json: json), seq: s, options: options, name: name)
    }
}
