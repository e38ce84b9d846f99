import MemQCore

/// Graphs of Hugging Face models as transformers 5.24 builds them in training mode (modeling_llama.py,
/// modeling_mistral.py, modeling_qwen2.py, modeling_qwen3.py, modeling_gemma.py, modeling_phi3.py, modeling_gpt_neox.py,
/// modeling_gpt2.py, modeling_bert.py, modeling_roberta.py): module names as in `named_modules()`, so q/k/v/o
/// projections are their own linear nodes.
public enum HFModels {
    /// Builds the graph of `config` for sequences of `seq` tokens.
    public static func build(_ config: HFConfig, seq: Int, options: HFBuildOptions = HFBuildOptions(), name: String? = nil) throws(ModelError) -> Graph {
        guard seq > 0 else {
            throw .invalidValue(node: "input_ids", field: "shape", message: "the sequence length must be positive, got \(seq)")
        }
        if config.family == .gpt2 || config.family.isEncoder, seq > config.maxPositions - (config.family == .roberta ? 2 : 0) {
            throw .invalidValue(node: "input_ids", field: "shape",
                                message: "\(config.architecture) has \(config.maxPositions) learned positions; the sequence length must be at most \(config.maxPositions - (config.family == .roberta ? 2 : 0)), got \(seq)")
        }
        if config.family == .gemma2, options.implementation == .sdpa || (options.implementation == .auto && config.attnImplementation == "sdpa") {
            throw .invalidValue(node: "config.json", field: "attn_implementation",
                                message: "transformers 5.24 runs Gemma 2 with eager attention only (modeling_gemma2.py: _supports_sdpa = False, sdpa does not support soft-capping); give --attention eager")
        }
        if options.implementation == .auto, let named = config.attnImplementation, HFBuildOptions.Implementation(rawValue: named) == nil {
            throw .invalidValue(node: "config.json", field: "attn_implementation",
                                message: "'\(named)' is not modelled; MemQ estimates eager and sdpa: give --attention eager or --attention sdpa (or \"attention\" in a request)")
        }
        let blocks = HFBlocks(config: config, options: options, seq: seq)
        var b = GraphBuilder(name: name ?? config.architecture)
        // Only the decoder/encoder layers are checkpointable (transformers' GradientCheckpointingLayer).
        b.blocksOnlyWhereDeclared = true
        let ids = b.input("input_ids", shape: [seq], dtype: .int64)
        var graph: Graph
        switch config.family {
        case .gpt2: graph = try gpt2(&b, blocks, ids)
        case .bert, .roberta: graph = try encoder(&b, blocks, ids)
        case .gemma2: graph = try gemma2(&b, blocks, ids)
        default: graph = try decoder(&b, blocks, ids)
        }
        graph.notes = [blocks.note] + (config.useCache && !config.family.isEncoder ? ["use_cache: the key/value cache of every layer is kept with the output"] : [])
        return graph
    }

    /// Parameter-free part shared by decoders: the rotary tables and, for eager attention, the 4-D causal mask.
    static func positional(_ b: inout GraphBuilder, _ k: HFBlocks, _ ids: String, rotary: Bool) -> (cos: String, sin: String, mask: String?) {
        var cos = "", sin = ""
        if rotary {
            let half = k.config.rotaryDim / 2
            cos = b.add("rotary_emb.cos", .rotaryTable(RotaryTable(.cos, dim: k.config.rotaryDim, buffers: [half, half])), [ids])
            sin = b.add("rotary_emb.sin", .rotaryTable(RotaryTable(.sin, dim: k.config.rotaryDim)), [ids])
        }
        let mask = k.eager || k.config.slidingWindow.map({ k.seq >= $0 }) == true
            ? b.add("causal_mask", .causalMask(shared: false), [ids]) : nil
        return (cos, sin, mask)
    }

    // MARK: LLaMA, Mistral, Qwen2, Gemma, Phi-3, GPT-NeoX

    static func decoder(_ b: inout GraphBuilder, _ k: HFBlocks, _ ids: String) throws(ModelError) -> Graph {
        let c = k.config
        let neox = c.family == .gptNeoX, phi3 = c.family == .phi3
        let root = neox ? "gpt_neox" : "model"
        var x = ids
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        rooted(&b, root, k) { b in
            x = b.embedding(ids, neox ? "embed_in" : "embed_tokens", count: c.vocab, dim: c.hidden, inputEmbeddings: true)
            if c.family == .gemma { x = b.add("embed_scale", .scale(factor: Double(c.hidden).squareRoot()), [x]) }
            x = b.dropout(x, neox ? "emb_dropout" : "embed_dropout", p: c.embeddingDropout)
            let pos = positional(&b, k, ids, rotary: true)
            b.scoped("layers") { b in
                for i in 0..<c.layers {
                    b.block("\(i)") { b in
                        let h = k.norm(&b, x, "input_layernorm")
                        var attn = ""
                        b.scoped(neox ? "attention" : "self_attn") { b in
                            var qs: String, ks: String, vs: String
                            if neox {
                                let qkv = b.linear(h, "query_key_value", out: 3 * q, bias: true)
                                let v4 = b.reshape(qkv, "qkv_view", shape: [k.seq, c.heads, 3 * c.headDim])
                                let t = b.transpose(v4, "qkv_transpose", 1, 2)
                                qs = b.chunk(t, "query", chunks: 3, index: 0, dim: -1)
                                ks = b.chunk(t, "key", chunks: 3, index: 1, dim: -1)
                                vs = b.chunk(t, "value", chunks: 3, index: 2, dim: -1)
                            } else if phi3 {
                                let qkv = b.linear(h, "qkv_proj", out: q + 2 * kv, bias: false)
                                let sizes = [q, kv, kv]
                                qs = k.heads(&b, b.add("query", .split(Split(sizes: sizes, index: 0, dim: -1)), [qkv]), "q", count: c.heads)
                                ks = k.heads(&b, b.add("key", .split(Split(sizes: sizes, index: 1, dim: -1)), [qkv]), "k", count: c.kvHeads)
                                vs = k.heads(&b, b.add("value", .split(Split(sizes: sizes, index: 2, dim: -1)), [qkv]), "v", count: c.kvHeads)
                            } else if c.family == .qwen3 {
                                // Qwen3Attention: RMSNorm over the head dimension of q and k before the transpose.
                                let qv = b.reshape(b.linear(h, "q_proj", out: q, bias: c.qkvBias), "q_view", shape: [k.seq, c.heads, c.headDim])
                                qs = b.transpose(k.rmsNorm(&b, qv, "q_norm"), "q_transpose", 1, 2)
                                let kvv = b.reshape(b.linear(h, "k_proj", out: kv, bias: c.qkvBias), "k_view", shape: [k.seq, c.kvHeads, c.headDim])
                                ks = b.transpose(k.rmsNorm(&b, kvv, "k_norm"), "k_transpose", 1, 2)
                                vs = k.heads(&b, b.linear(h, "v_proj", out: kv, bias: c.qkvBias), "v", count: c.kvHeads)
                            } else {
                                qs = k.heads(&b, b.linear(h, "q_proj", out: q, bias: c.qkvBias), "q", count: c.heads)
                                ks = k.heads(&b, b.linear(h, "k_proj", out: kv, bias: c.qkvBias), "k", count: c.kvHeads)
                                vs = k.heads(&b, b.linear(h, "v_proj", out: kv, bias: c.qkvBias), "v", count: c.kvHeads)
                            }
                            qs = k.rotary(&b, qs, "q_rope", cos: pos.cos, sin: pos.sin)
                            ks = k.rotary(&b, ks, "k_rope", cos: pos.cos, sin: pos.sin)
                            if c.useCache {
                                ks = b.add("cache_key", .kvCache, [ks])
                                vs = b.add("cache_value", .kvCache, [vs])
                            }
                            let o = k.core(&b, q: qs, k: ks, v: vs, mask: pos.mask)
                            attn = b.linear(o, neox ? "dense" : "o_proj", out: c.hidden, bias: c.outBias)
                        }
                        attn = b.dropout(attn, neox ? "post_attention_dropout" : "resid_attn_dropout", p: c.hiddenDropout)
                        let residual = x
                        if !(neox && c.parallelResidual) { x = b.sum([residual, attn], "attn_residual") }
                        let h2 = k.norm(&b, neox && c.parallelResidual ? residual : x, "post_attention_layernorm")
                        var m = ""
                        b.scoped("mlp") { b in
                            if neox {
                                let up = b.linear(h2, "dense_h_to_4h", out: c.intermediate, bias: true)
                                m = b.linear(k.activation(&b, up, "act"), "dense_4h_to_h", out: c.hidden, bias: true)
                            } else if phi3 {
                                let gu = b.linear(h2, "gate_up_proj", out: 2 * c.intermediate, bias: false)
                                let gate = b.chunk(gu, "gate", chunks: 2, index: 0, dim: -1)
                                let up = b.chunk(gu, "up", chunks: 2, index: 1, dim: -1)
                                m = b.linear(b.mul([up, k.activation(&b, gate, "activation_fn")], "gated"), "down_proj", out: c.hidden, bias: false)
                            } else {
                                let gate = k.activation(&b, b.linear(h2, "gate_proj", out: c.intermediate, bias: c.mlpBias), "act_fn")
                                let up = b.linear(h2, "up_proj", out: c.intermediate, bias: c.mlpBias)
                                m = b.linear(b.mul([gate, up], "gated"), "down_proj", out: c.hidden, bias: c.mlpBias)
                            }
                        }
                        m = b.dropout(m, neox ? "post_mlp_dropout" : "resid_mlp_dropout", p: c.hiddenDropout)
                        x = neox && c.parallelResidual ? b.sum([b.sum([m, attn], "mlp_plus_attn"), residual], "residual") : b.sum([x, m], "mlp_residual")
                    }
                }
            }
            x = k.norm(&b, x, neox ? "final_layer_norm" : "norm")
        }
        return try head(&b, k, x, embedding: neox ? "gpt_neox.embed_in" : "model.embed_tokens", headName: neox ? "embed_out" : "lm_head")
    }

    // MARK: GPT-2

    static func gpt2(_ b: inout GraphBuilder, _ k: HFBlocks, _ ids: String) throws(ModelError) -> Graph {
        let c = k.config
        var x = ids
        rooted(&b, "transformer", k) { b in
            let tokens = b.embedding(ids, "wte", count: c.vocab, dim: c.hidden, inputEmbeddings: true)
            let positions = b.add("position_ids", .positions(buffers: []), [ids])
            let wpe = b.embedding(positions, "wpe", count: c.maxPositions, dim: c.hidden)
            x = b.sum([tokens, wpe], "add")
            x = b.dropout(x, "drop", p: c.embeddingDropout)
            let pos = positional(&b, k, ids, rotary: false)
            b.scoped("h") { b in
                for i in 0..<c.layers {
                    b.block("\(i)") { b in
                        var y = b.layerNorm(x, "ln_1")
                        b.scoped("attn") { b in
                            let qkv = b.linear(y, "c_attn", out: 3 * c.hidden)
                            let sizes = [c.hidden, c.hidden, c.hidden]
                            let q = k.heads(&b, b.add("query", .split(Split(sizes: sizes, index: 0, dim: -1)), [qkv]), "q", count: c.heads)
                            var kk = k.heads(&b, b.add("key", .split(Split(sizes: sizes, index: 1, dim: -1)), [qkv]), "k", count: c.heads)
                            var v = k.heads(&b, b.add("value", .split(Split(sizes: sizes, index: 2, dim: -1)), [qkv]), "v", count: c.heads)
                            if c.useCache {
                                kk = b.add("cache_key", .kvCache, [kk])
                                v = b.add("cache_value", .kvCache, [v])
                            }
                            y = b.linear(k.core(&b, q: q, k: kk, v: v, mask: pos.mask), "c_proj", out: c.hidden)
                            y = b.dropout(y, "resid_dropout", p: c.hiddenDropout)
                        }
                        x = b.sum([y, x])
                        y = b.layerNorm(x, "ln_2")
                        b.scoped("mlp") { b in
                            y = b.linear(y, "c_fc", out: c.intermediate)
                            y = k.activation(&b, y, "act")
                            y = b.linear(y, "c_proj", out: c.hidden)
                            y = b.dropout(y, "dropout", p: c.hiddenDropout)
                        }
                        x = b.sum([x, y])
                    }
                }
            }
            x = b.layerNorm(x, "ln_f")
        }
        return try head(&b, k, x, embedding: "transformer.wte", headName: "lm_head")
    }

    // MARK: BERT, RoBERTa

    static func encoder(_ b: inout GraphBuilder, _ k: HFBlocks, _ ids: String) throws(ModelError) -> Graph {
        let c = k.config
        let root = c.family == .roberta ? "roberta" : "bert"
        var x = ids
        rooted(&b, root, k) { b in
            b.scoped("embeddings") { b in
                let words = b.embedding(ids, "word_embeddings", count: c.vocab, dim: c.hidden, inputEmbeddings: true)
                // token_type_ids: the zero buffer expanded to the batch; position_ids: the buffer's first S (BERT),
                // or computed from the ids per sample (RoBERTa's create_position_ids_from_input_ids).
                let buffers = b.add("buffers", .positions(buffers: c.family == .roberta ? [c.maxPositions] : [c.maxPositions, c.maxPositions]), [ids])
                let types = b.embedding(ids, "token_type_embeddings", count: c.typeVocab, dim: c.hidden)
                x = b.sum([words, types], "add_token_type")
                let position = b.embedding(c.family == .roberta ? ids : buffers, "position_embeddings", count: c.maxPositions, dim: c.hidden)
                x = b.sum([x, position], "add_position")
                x = b.layerNorm(x, "LayerNorm")
                x = b.dropout(x, "dropout", p: c.hiddenDropout)
            }
            b.scoped("encoder.layer") { b in
                for i in 0..<c.layers {
                    b.block("\(i)") { b in
                        var a = ""
                        b.scoped("attention") { b in
                            b.scoped("self") { b in
                                let q = k.heads(&b, b.linear(x, "query", out: c.hidden), "q", count: c.heads)
                                let kk = k.heads(&b, b.linear(x, "key", out: c.hidden), "k", count: c.heads)
                                let v = k.heads(&b, b.linear(x, "value", out: c.hidden), "v", count: c.heads)
                                a = k.core(&b, q: q, k: kk, v: v, mask: nil)
                            }
                            b.scoped("output") { b in
                                a = b.dropout(b.linear(a, "dense", out: c.hidden), "dropout", p: c.hiddenDropout)
                                x = b.layerNorm(b.sum([a, x], "residual"), "LayerNorm")
                            }
                        }
                        var m = b.linear(x, "intermediate.dense", out: c.intermediate)
                        m = k.activation(&b, m, "intermediate.intermediate_act_fn")
                        b.scoped("output") { b in
                            m = b.dropout(b.linear(m, "dense", out: c.hidden), "dropout", p: c.hiddenDropout)
                            x = b.layerNorm(b.sum([m, x], "residual"), "LayerNorm")
                        }
                    }
                }
            }
        }
        let embedding = "\(root).embeddings.word_embeddings"
        switch c.task {
        case .maskedLM:
            let scope = c.family == .roberta ? "lm_head" : "cls.predictions"
            var y = x
            b.scoped(scope) { b in
                let t = c.family == .roberta ? "dense" : "transform.dense"
                y = k.activation(&b, b.linear(y, t, out: c.hidden), c.family == .roberta ? "gelu" : "transform.transform_act_fn")
                y = b.layerNorm(y, c.family == .roberta ? "layer_norm" : "transform.LayerNorm")
                y = b.add("decoder", .linear(Linear(outFeatures: c.vocab, bias: true, tiedTo: c.tiedEmbeddings ? embedding : nil)), [y])
            }
            let loss = b.add("loss", .lmLoss(LMLoss(.masked)), [y])
            return try b.build(output: loss)
        case .sequenceClassification:
            var y = b.select(x, "\(root).pooler.first_token", dim: 1, index: 0)
            if c.family == .bert {
                y = b.act(b.linear(y, "\(root).pooler.dense", out: c.hidden), "\(root).pooler.activation", .tanh)
            } else {
                y = b.act(b.linear(b.dropout(y, "classifier.dropout_0", p: c.classifierDropout), "classifier.dense", out: c.hidden), "classifier.tanh", .tanh)
            }
            y = b.dropout(y, c.family == .bert ? "dropout" : "classifier.dropout", p: c.classifierDropout)
            y = b.linear(y, c.family == .bert ? "classifier" : "classifier.out_proj", out: c.numLabels)
            let loss = b.add("loss", .crossEntropy, [y])
            return try b.build(output: loss)
        default:
            // BertModel's pooler: dense + tanh on the first token (pooler_output).
            let pooled = b.scoped("pooler") { b in
                b.act(b.linear(b.select(x, "first_token", dim: 1, index: 0), "dense", out: c.hidden), "activation", .tanh)
            }
            return try b.build(output: pooled)
        }
    }

    /// Module paths: `model.layers.0...` under a task head, `layers.0...` in the base model itself.
    static func rooted(_ b: inout GraphBuilder, _ root: String, _ k: HFBlocks, _ body: (inout GraphBuilder) -> Void) {
        if k.config.task == .base { body(&b) } else { b.scoped(root, body) }
    }

    /// The causal head: LM head (tied to the embedding when the config says so) and `ForCausalLMLoss`; the
    /// classification head scores every token with `score` (no bias); the base model ends at the final norm.
    static func head(_ b: inout GraphBuilder, _ k: HFBlocks, _ x: String, embedding: String, headName: String) throws(ModelError) -> Graph {
        let c = k.config
        switch c.task {
        case .causalLM, .maskedLM:
            let logits = c.tiedEmbeddings
                ? b.add(headName, .linear(Linear(outFeatures: c.vocab, bias: false, tiedTo: embedding)), [x])
                : b.linear(x, headName, out: c.vocab, bias: false)
            let loss = b.add("loss", .lmLoss(LMLoss(.causal)), [logits])
            return try b.build(output: loss)
        case .sequenceClassification:
            let scores = b.linear(x, "score", out: c.numLabels, bias: false)
            let last = b.select(scores, "pooled_logits", dim: 1, index: k.seq - 1)
            let loss = b.add("loss", .crossEntropy, [last])
            return try b.build(output: loss)
        case .base:
            return try b.build()
        }
    }
}
