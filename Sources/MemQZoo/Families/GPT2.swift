import MemQCore

/// GPT-2 small/medium/large/XL (Radford et al. 2019) as Hugging Face `GPT2LMHeadModel` builds them (the configs of
/// `openai-community/gpt2*`): learned positions (1024), pre-norm decoder layers, `gelu_new`, dropout 0.1, final
/// LayerNorm, LM head tied to the token embedding.
enum GPT2 {
    static let entries: [ZooEntry] = [
        ("gpt2", 768, 12, 12), ("gpt2_medium", 1024, 24, 16), ("gpt2_large", 1280, 36, 20), ("gpt2_xl", 1600, 48, 25),
    ].map { name, hidden, layers, heads in
        TokenModels.entry(name, family: "gpt2", defaultSeq: 1024, config: [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": .int(hidden), "n_layer": .int(layers),
            "n_head": .int(heads), "vocab_size": 50257, "n_positions": 1024,
        ])
    }
}
