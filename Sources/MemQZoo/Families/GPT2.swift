import MemQCore

/// GPT-2 small/medium/large/XL (Radford et al. 2019) as Hugging Face `GPT2LMHeadModel` builds them: learned
/// positions (1024), pre-norm decoder layers with causal attention, final LayerNorm, LM head tied to the token
/// embedding (a `Linear` with `tiedTo`: the table is counted once and its two gradients are summed).
enum GPT2 {
    struct Variant {
        let name: String
        let layers: Int
        let hidden: Int
        let heads: Int
        var vocab = 50257
        var positions = 1024
    }

    static let variants: [Variant] = [
        Variant(name: "gpt2", layers: 12, hidden: 768, heads: 12),
        Variant(name: "gpt2_medium", layers: 24, hidden: 1024, heads: 16),
        Variant(name: "gpt2_large", layers: 36, hidden: 1280, heads: 20),
        Variant(name: "gpt2_xl", layers: 48, hidden: 1600, heads: 25),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "gpt2", defaultInput: [1024], inputDType: .int64) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        _ = try TokenModels.sequenceLength(input, model: v.name, maxPositions: v.positions)
        var b = GraphBuilder(name: v.name)
        let ids = b.input("input_ids", shape: input, dtype: .int64)
        var x = ids
        b.scoped("transformer") { b in
            let tokens = b.embedding(ids, "wte", count: v.vocab, dim: v.hidden)
            // position_ids = arange(S): shaped like the ids.
            let positions = b.embedding(ids, "wpe", count: v.positions, dim: v.hidden)
            x = b.sum([tokens, positions], "add")
            x = b.dropout(x, "drop", p: 0.1)
            b.scoped("h") { b in
                for i in 0..<v.layers {
                    b.block("\(i)") { b in
                        var y = b.layerNorm(x, "ln_1")
                        b.scoped("attn") { b in
                            // c_attn (q, k, v with bias) and c_proj (with bias); attn_dropout inside.
                            y = b.attention(y, "attention", Attention(embedDim: v.hidden, heads: v.heads, causal: true))
                            y = b.dropout(y, "resid_dropout", p: 0.1)
                        }
                        x = b.sum([y, x])
                        y = b.layerNorm(x, "ln_2")
                        b.scoped("mlp") { b in
                            y = b.linear(y, "c_fc", out: 4 * v.hidden)
                            y = b.act(y, "act", .gelu)
                            y = b.linear(y, "c_proj", out: v.hidden)
                            y = b.dropout(y, "dropout", p: 0.1)
                        }
                        x = b.sum([x, y])
                    }
                }
            }
            x = b.layerNorm(x, "ln_f")
        }
        // Tied to the token embedding: one shared table, counted once.
        x = b.add("lm_head", .linear(Linear(outFeatures: v.vocab, bias: false, tiedTo: "transformer.wte")), [x])
        return try b.build()
    }
}
