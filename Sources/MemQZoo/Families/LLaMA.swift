import MemQCore

/// LLaMA-style decoders (Touvron et al. 2023; Llama 2, Llama 3, Llama 3.2) as Hugging Face `LlamaForCausalLM`
/// builds them from the published `config.json` keys: RMSNorm, rotary positions, grouped-query causal attention
/// without biases, SwiGLU MLP, untied LM head except where the preset ties it (Llama 3.2 1B).
enum LLaMA {
    static let entries: [ZooEntry] = [
        ("llama_3_2_1b", 128_256, 2048, 16, 32, 8, 8192, true, 2048),
        ("llama_2_7b", 32000, 4096, 32, 32, 32, 11008, false, 4096),
        ("llama_3_8b", 128_256, 4096, 32, 32, 8, 14336, false, 4096),
        ("llama_2_13b", 32000, 5120, 40, 40, 40, 13824, false, 4096),
        ("llama_3_70b", 128_256, 8192, 80, 64, 8, 28672, false, 4096),
    ].map { name, vocab, hidden, layers, heads, kv, intermediate, tied, seq in
        TokenModels.entry(name, family: "llama", defaultSeq: seq, config: [
            "model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": .int(vocab),
            "hidden_size": .int(hidden), "num_hidden_layers": .int(layers), "num_attention_heads": .int(heads),
            "num_key_value_heads": .int(kv), "intermediate_size": .int(intermediate), "tie_word_embeddings": .bool(tied),
            "max_position_embeddings": 131_072,
        ])
    }
}
