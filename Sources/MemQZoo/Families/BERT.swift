import MemQCore

/// BERT base and large (Devlin et al. 2019) as Hugging Face `BertModel` builds them (`bert-base-uncased`,
/// `bert-large-uncased`): embeddings (word, learned position, token type), post-norm encoder layers, pooler.
/// No pre-training heads (MLM/NSP): 109,482,240 and 335,141,888 parameters, the figures behind the paper's
/// "110M" and "340M". A `config.json` naming `BertForMaskedLM` builds the MLM head too.
enum BERT {
    static let entries: [ZooEntry] = [("bert_base", 768, 12, 12, 3072), ("bert_large", 1024, 24, 16, 4096)].map { name, hidden, layers, heads, inter in
        TokenModels.entry(name, family: "bert", defaultSeq: 512, config: [
            "model_type": "bert", "architectures": ["BertModel"], "hidden_size": .int(hidden),
            "num_hidden_layers": .int(layers), "num_attention_heads": .int(heads), "intermediate_size": .int(inter),
        ])
    }
}
