import MemQCore

/// LLaMA-style decoders (Touvron et al. 2023; Llama 2, Llama 3, Llama 3.2) as Hugging Face `LlamaForCausalLM`
/// builds them: RMSNorm, rotary positions (no parameters), grouped-query causal attention without biases, SwiGLU MLP
/// (`down(silu(gate(x)) * up(x))`), untied LM head, except where the preset ties it (Llama 3.2 1B).
enum LLaMA {
    struct Config {
        let name: String
        let vocab: Int
        let hidden: Int
        let layers: Int
        let heads: Int
        let kvHeads: Int
        let intermediate: Int
        var tiedEmbeddings = false
        var defaultSeq = 4096
    }

    static let presets: [Config] = [
        Config(name: "llama_3_2_1b", vocab: 128_256, hidden: 2048, layers: 16, heads: 32, kvHeads: 8, intermediate: 8192,
               tiedEmbeddings: true, defaultSeq: 2048),
        Config(name: "llama_2_7b", vocab: 32_000, hidden: 4096, layers: 32, heads: 32, kvHeads: 32, intermediate: 11_008),
        Config(name: "llama_3_8b", vocab: 128_256, hidden: 4096, layers: 32, heads: 32, kvHeads: 8, intermediate: 14_336),
        Config(name: "llama_2_13b", vocab: 32_000, hidden: 5120, layers: 40, heads: 40, kvHeads: 40, intermediate: 13_824),
        Config(name: "llama_3_70b", vocab: 128_256, hidden: 8192, layers: 80, heads: 64, kvHeads: 8, intermediate: 28_672),
    ]

    static let entries: [ZooEntry] = presets.map { c in
        ZooEntry(name: c.name, family: "llama", defaultInput: [c.defaultSeq], inputDType: .int64) { input throws(ModelError) in
            try build(c, input: input)
        }
    }

    static func build(_ c: Config, input: [Int]) throws(ModelError) -> Graph {
        _ = try TokenModels.sequenceLength(input, model: c.name, maxPositions: nil)
        let headDim = c.hidden / c.heads
        var b = GraphBuilder(name: c.name)
        let ids = b.input("input_ids", shape: input, dtype: .int64)
        var x = ids
        b.scoped("model") { b in
            x = b.embedding(ids, "embed_tokens", count: c.vocab, dim: c.hidden)
            b.scoped("layers") { b in
                for i in 0..<c.layers {
                    b.block("\(i)") { b in
                        var y = b.rmsNorm(x, "input_layernorm")
                        // q/k/v/o projections without bias; rotary embedding applied inside.
                        y = b.attention(y, "self_attn", Attention(embedDim: c.hidden, heads: c.heads, kvHeads: c.kvHeads,
                                                                  headDim: headDim, qkvBias: false, outBias: false,
                                                                  causal: true))
                        x = b.sum([x, y])
                        y = b.rmsNorm(x, "post_attention_layernorm")
                        b.scoped("mlp") { b in
                            var gate = b.linear(y, "gate_proj", out: c.intermediate, bias: false)
                            gate = b.act(gate, "act_fn", .silu)
                            let up = b.linear(y, "up_proj", out: c.intermediate, bias: false)
                            y = b.mul([gate, up])
                            y = b.linear(y, "down_proj", out: c.hidden, bias: false)
                        }
                        x = b.sum([x, y])
                    }
                }
            }
            x = b.rmsNorm(x, "norm")
        }
        x = c.tiedEmbeddings
            ? b.add("lm_head", .linear(Linear(outFeatures: c.vocab, bias: false, tiedTo: "model.embed_tokens")), [x])
            : b.linear(x, "lm_head", out: c.vocab, bias: false)
        return try b.build()
    }
}
