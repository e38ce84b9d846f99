import MemQCore

extension HFModels {
    /// Gemma 2 (transformers 5.24 modeling_gemma2.py): the embedding scaled by sqrt(hidden); per layer
    /// `input_layernorm`, attention (eager only: `_supports_sdpa = False`; q scaled by query_pre_attn_scalar^-0.5,
    /// logits soft-capped), `post_attention_layernorm`, the residual, `pre_feedforward_layernorm`, the GeGLU MLP,
    /// `post_feedforward_layernorm`, the residual; sliding-window and full layers alternating, each with its 4-D
    /// float mask (both built once per forward, `create_causal_mask` and `create_sliding_window_causal_mask`); the
    /// final logits soft-capped before the loss. Every RMSNorm is Gemma's (`1 + weight`, in float32).
    static func gemma2(_ b: inout GraphBuilder, _ k: HFBlocks, _ ids: String) throws(ModelError) -> Graph {
        let c = k.config
        var x = ids
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        rooted(&b, "model", k) { b in
            x = b.embedding(ids, "embed_tokens", count: c.vocab, dim: c.hidden, inputEmbeddings: true)
            x = b.add("embed_scale", .scale(factor: Double(c.hidden).squareRoot()), [x])
            let half = c.rotaryDim / 2
            let cos = b.add("rotary_emb.cos", .rotaryTable(RotaryTable(.cos, dim: c.rotaryDim, buffers: [half, half])), [ids])
            let sin = b.add("rotary_emb.sin", .rotaryTable(RotaryTable(.sin, dim: c.rotaryDim)), [ids])
            let full = b.add("causal_mask", .causalMask(shared: false), [ids])
            let sliding = b.add("sliding_window_mask", .causalMask(shared: false), [ids])
            b.scoped("layers") { b in
                for i in 0..<c.layers {
                    b.block("\(i)") { b in
                        let residual = x
                        let h = k.norm(&b, x, "input_layernorm")
                        var attn = ""
                        b.scoped("self_attn") { b in
                            var qs = k.heads(&b, b.linear(h, "q_proj", out: q, bias: c.qkvBias), "q", count: c.heads)
                            var ks = k.heads(&b, b.linear(h, "k_proj", out: kv, bias: c.qkvBias), "k", count: c.kvHeads)
                            var vs = k.heads(&b, b.linear(h, "v_proj", out: kv, bias: c.qkvBias), "v", count: c.kvHeads)
                            qs = k.rotary(&b, qs, "q_rope", cos: cos, sin: sin)
                            ks = k.rotary(&b, ks, "k_rope", cos: cos, sin: sin)
                            if c.useCache {
                                ks = b.add("cache_key", .kvCache, [ks])
                                vs = b.add("cache_value", .kvCache, [vs])
                            }
                            attn = b.linear(k.core(&b, q: qs, k: ks, v: vs, mask: c.isSlidingLayer(i) ? sliding : full), "o_proj", out: c.hidden, bias: c.outBias)
                        }
                        x = b.sum([residual, k.norm(&b, attn, "post_attention_layernorm")], "attn_residual")
                        let h2 = k.norm(&b, x, "pre_feedforward_layernorm")
                        var m = ""
                        b.scoped("mlp") { b in
                            let gate = k.activation(&b, b.linear(h2, "gate_proj", out: c.intermediate, bias: false), "act_fn")
                            let up = b.linear(h2, "up_proj", out: c.intermediate, bias: false)
                            m = b.linear(b.mul([gate, up], "gated"), "down_proj", out: c.hidden, bias: false)
                        }
                        x = b.sum([x, k.norm(&b, m, "post_feedforward_layernorm")], "mlp_residual")
                    }
                }
            }
            x = k.norm(&b, x, "norm")
        }
        guard let cap = c.finalSoftcap, c.task == .causalLM else {
            return try head(&b, k, x, embedding: "model.embed_tokens", headName: "lm_head")
        }
        // Gemma2ForCausalLM.forward: `logits / cap`, `tanh`, `* cap`, then the loss.
        var logits = c.tiedEmbeddings
            ? b.add("lm_head", .linear(Linear(outFeatures: c.vocab, bias: false, tiedTo: "model.embed_tokens")), [x])
            : b.linear(x, "lm_head", out: c.vocab, bias: false)
        logits = b.add("final_softcap_div", .scale(factor: 1 / cap), [logits])
        logits = b.act(logits, "final_softcap_tanh", .tanh)
        logits = b.add("final_softcap_mul", .scale(factor: cap), [logits])
        let loss = b.add("loss", .lmLoss(LMLoss(.causal)), [logits])
        return try b.build(output: loss)
    }
}
