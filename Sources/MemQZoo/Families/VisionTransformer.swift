import MemQCore

/// ViT-B/16, B/32, L/16, L/32 (torchvision/models/vision_transformer.py): patch conv, class token, learned position
/// embedding, pre-norm encoder layers of `nn.MultiheadAttention` and a GELU MLP, the class token's final state
/// to a linear head. Dropouts are all p = 0 (views).
enum VisionTransformer {
    struct Variant {
        let name: String
        let patch: Int
        let layers: Int
        let heads: Int
        let hidden: Int
        let mlp: Int
    }

    static let variants: [Variant] = [
        Variant(name: "vit_b_16", patch: 16, layers: 12, heads: 12, hidden: 768, mlp: 3072),
        Variant(name: "vit_b_32", patch: 32, layers: 12, heads: 12, hidden: 768, mlp: 3072),
        Variant(name: "vit_l_16", patch: 16, layers: 24, heads: 16, hidden: 1024, mlp: 4096),
        Variant(name: "vit_l_32", patch: 32, layers: 24, heads: 16, hidden: 1024, mlp: 4096),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: "vit", defaultInput: [3, 224, 224]) { input throws(ModelError) in
            try build(v, input: input)
        }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        // _process_input: conv, (n, hidden, h*w), permute to (n, h*w, hidden).
        x = b.conv(x, "conv_proj", out: v.hidden, kernel: v.patch, stride: v.patch)
        x = b.flatten(x, "reshape", startDim: 2)
        x = b.permute(x, "permute", dims: [0, 2, 1])
        x = b.add("class_token", .classToken(count: 1), [x])
        b.scoped("encoder") { b in
            x = b.add("pos_embedding", .positionalEmbedding(Positional()), [x])
            x = b.dropout(x, "dropout", p: 0)
            b.scoped("layers") { b in
                for i in 0..<v.layers {
                    b.block("encoder_layer_\(i)") { b in
                        var y = b.layerNorm(x, "ln_1")
                        y = b.attention(y, "self_attention", Attention(embedDim: v.hidden, heads: v.heads))
                        y = b.dropout(y, "dropout", p: 0)
                        x = b.sum([y, x])
                        y = b.layerNorm(x, "ln_2")
                        b.scoped("mlp") { b in
                            y = b.linear(y, "0", out: v.mlp)
                            y = b.act(y, "1", .gelu)
                            y = b.dropout(y, "2", p: 0)
                            y = b.linear(y, "3", out: v.hidden)
                            y = b.dropout(y, "4", p: 0)
                        }
                        x = b.sum([x, y])
                    }
                }
            }
            x = b.layerNorm(x, "ln")
        }
        x = b.select(x, "class_token_state", dim: 1, index: 0)
        b.scoped("heads") { b in x = b.linear(x, "head", out: 1000) }
        return try b.build()
    }
}
