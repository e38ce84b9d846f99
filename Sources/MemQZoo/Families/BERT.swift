import MemQCore

/// BERT base and large (Devlin et al. 2019) as Hugging Face `BertModel` builds them (`bert-base-uncased`,
/// `bert-large-uncased`): embeddings (word, learned position, token type), post-norm encoder layers, pooler.
/// No pre-training heads (MLM/NSP): 109,482,240 and 335,141,888 parameters, the figures behind the paper's
/// "110M" and "340M".
enum BERT {
    struct Variant {
        let name: String
        let layers: Int
        let hidden: Int
        let heads: Int
        let intermediate: Int
        var vocab = 30522
        var maxPositions = 512
        var typeVocab = 2
    }

    static let variants: [Variant] = [
        Variant(name: "bert_base", layers: 12, hidden: 768, heads: 12, intermediate: 3072),
        Variant(name: "bert_large", layers: 24, hidden: 1024, heads: 16, intermediate: 4096),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "bert", defaultInput: [512], inputDType: .int64) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        _ = try TokenModels.sequenceLength(input, model: v.name, maxPositions: v.maxPositions)
        var b = GraphBuilder(name: v.name)
        let ids = b.input("input_ids", shape: input, dtype: .int64)
        var x = ids
        b.scoped("embeddings") { b in
            let words = b.embedding(ids, "word_embeddings", count: v.vocab, dim: v.hidden)
            // token_type_ids default to zeros and position_ids to arange(S): both shaped like the ids.
            let types = b.embedding(ids, "token_type_embeddings", count: v.typeVocab, dim: v.hidden)
            let positions = b.embedding(ids, "position_embeddings", count: v.maxPositions, dim: v.hidden)
            x = b.sum([words, types], "add_token_type")
            x = b.sum([x, positions], "add_position", inplace: true)
            x = b.layerNorm(x, "LayerNorm")
            x = b.dropout(x, "dropout", p: 0.1)
        }
        b.scoped("encoder") { b in
            b.scoped("layer") { b in
                for i in 0..<v.layers {
                    b.block("\(i)") { b in
                        b.scoped("attention") { b in
                            // self.query/key/value and output.dense (attention-probability dropout inside).
                            var y = b.attention(x, "self", Attention(embedDim: v.hidden, heads: v.heads))
                            b.scoped("output") { b in
                                y = b.dropout(y, "dropout", p: 0.1)
                                y = b.sum([y, x])
                                x = b.layerNorm(y, "LayerNorm")
                            }
                        }
                        var y = b.scoped("intermediate") { b in
                            let h = b.linear(x, "dense", out: v.intermediate)
                            return b.act(h, "intermediate_act_fn", .gelu)
                        }
                        b.scoped("output") { b in
                            y = b.linear(y, "dense", out: v.hidden)
                            y = b.dropout(y, "dropout", p: 0.1)
                            y = b.sum([y, x])
                            x = b.layerNorm(y, "LayerNorm")
                        }
                    }
                }
            }
        }
        b.scoped("pooler") { b in
            x = b.select(x, "first_token", dim: 1, index: 0)
            x = b.linear(x, "dense", out: v.hidden)
            x = b.act(x, "activation", .tanh)
        }
        return try b.build()
    }
}
