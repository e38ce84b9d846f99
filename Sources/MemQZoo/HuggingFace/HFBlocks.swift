import MemQCore

/// How to build a transformers model: the attention implementation and what the SDPA dispatcher sees.
public struct HFBuildOptions: Sendable, Hashable {
    /// `attn_implementation`: `auto` takes the config's, else transformers' default (`sdpa`).
    public enum Implementation: String, Sendable, Hashable, CaseIterable {
        case auto, eager, sdpa
        public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
    }
    public var implementation: Implementation
    /// Forces the SDPA kernel (`--attention-kernel`); nil lets the dispatcher's rules pick.
    public var kernel: AttentionKernel?
    public var onCUDA: Bool
    /// The compute dtype (of q, k, v).
    public var dtype: DType
    /// The GPU's compute capability (80 for sm_80), when known.
    public var computeCapability: Int?
    public init(implementation: Implementation = .auto, kernel: AttentionKernel? = nil, onCUDA: Bool = false, dtype: DType = .float32,
                computeCapability: Int? = nil) {
        self.implementation = implementation; self.kernel = kernel; self.onCUDA = onCUDA; self.dtype = dtype
        self.computeCapability = computeCapability
    }
}

/// The modules transformers' models are made of, written as the ops they run in training mode.
struct HFBlocks {
    let config: HFConfig
    let options: HFBuildOptions
    let seq: Int
    /// The attention path: eager, or SDPA with its kernel.
    let eager: Bool
    let kernel: AttentionKernel
    let kernelReason: String

    init(config: HFConfig, options: HFBuildOptions, seq: Int) {
        self.config = config; self.options = options; self.seq = seq
        // Gemma 2 has no sdpa path: transformers picks eager for it (`_supports_sdpa = False`).
        let fallback = config.family == .gemma2 ? "eager" : "sdpa"
        let implementation = options.implementation == .auto
            ? HFBuildOptions.Implementation(rawValue: config.attnImplementation ?? fallback) ?? .sdpa
            : options.implementation
        eager = implementation == .eager
        // transformers builds a sliding-window mask once the sequence reaches the window (masking_utils.py).
        let hasMask = config.slidingWindow.map { seq >= $0 } ?? false
        let call = AttentionCall(onCUDA: options.onCUDA, dtype: options.dtype, dropout: config.attentionDropout,
                                 hasMask: hasMask, headDim: config.headDim, gqa: config.kvHeads != config.heads && !hasMask,
                                 computeCapability: options.computeCapability)
        if let forced = options.kernel {
            (kernel, kernelReason) = (forced, "forced by --attention-kernel")
        } else {
            (kernel, kernelReason) = AttentionKernel.select(call)
        }
    }

    var note: String {
        eager ? "attention: eager (matmul, softmax, dropout as the model writes them)"
              : "attention: sdpa, \(kernel.rawValue) kernel (\(kernelReason))"
    }

    var causal: Bool { !config.family.isEncoder }
    var groups: Int { config.heads / config.kvHeads }

    /// `[S, H*d]` to `[H, S, d]`: `view(...).transpose(1, 2)`.
    func heads(_ b: inout GraphBuilder, _ x: String, _ name: String, count: Int) -> String {
        let v = b.reshape(x, "\(name)_view", shape: [seq, count, config.headDim])
        return b.transpose(v, "\(name)_transpose", 1, 2)
    }

    /// `apply_rotary_pos_emb`: `x * cos + rotate_half(x) * sin`, on the first `rotaryDim` features (partial rotary
    /// concatenates the rest back).
    func rotary(_ b: inout GraphBuilder, _ x: String, _ name: String, cos: String, sin: String) -> String {
        let d = config.headDim, r = config.rotaryDim
        var rot = x, pass: String? = nil
        if r < d {
            rot = b.add("\(name)_rot", .split(Split(sizes: [r, d - r], index: 0, dim: -1)), [x])
            pass = b.add("\(name)_pass", .split(Split(sizes: [r, d - r], index: 1, dim: -1)), [x])
        }
        let xc = b.mul([rot, cos], "\(name)_cos")
        let x1 = b.add("\(name)_x1", .split(Split(sizes: [r / 2, r / 2], index: 0, dim: -1)), [rot])
        let x2 = b.add("\(name)_x2", .split(Split(sizes: [r / 2, r / 2], index: 1, dim: -1)), [rot])
        let n = b.add("\(name)_neg", .pointwise(Pointwise(.neg)), [x2])
        let half = b.concat([n, x1], "\(name)_rotate_half", dim: -1)
        let xs = b.mul([half, sin], "\(name)_sin")
        let out = b.sum([xc, xs], "\(name)_embed")
        // Phi-3 and GPT-NeoX concatenate the pass-through features back even when there are none
        // (torch.cat([q_embed, q_pass], dim=-1)): a contiguous copy either way.
        guard let pass else { return config.family == .phi3 ? b.concat([out], "\(name)_cat", dim: -1) : out }
        return b.concat([out, pass], "\(name)_cat", dim: -1)
    }

    /// The attention core over `q [H, S, d]`, `k`, `v [Hkv, S, d]`; returns `[S, H*d]` (after
    /// `transpose(1, 2).contiguous()` and the reshape).
    func core(_ b: inout GraphBuilder, q: String, k: String, v: String, mask: String?) -> String {
        // Gemma 2 scales by query_pre_attn_scalar^-0.5 (Gemma2Attention.scaling).
        let scaling = 1 / (config.queryPreAttnScalar ?? Double(config.headDim)).squareRoot()
        var o: String
        if eager {
            // eager_attention_forward (modeling_llama.py, modeling_gpt2.py, modeling_bert.py).
            let kr = groups > 1 ? b.add("repeat_kv_k", .repeatKV(groups: groups), [k]) : k
            let vr = groups > 1 ? b.add("repeat_kv_v", .repeatKV(groups: groups), [v]) : v
            let kt = b.transpose(kr, "key_t", -1, -2)
            var s = b.matmul(q, kt, "scores")
            s = b.add("scores_scaled", .scale(factor: scaling), [s])
            if let cap = config.attnSoftcap {
                // Gemma 2's eager_attention_forward: `w / softcap`, `tanh`, `* softcap`, before the mask.
                s = b.add("softcap_div", .scale(factor: 1 / cap), [s])
                s = b.act(s, "softcap_tanh", .tanh)
                s = b.add("softcap_mul", .scale(factor: cap), [s])
            }
            if let mask { s = b.sum([s, mask], "scores_masked") }
            // LLaMA-style models: softmax(dim=-1, dtype=float32).to(query.dtype).
            let upcast = !config.family.isEncoder && config.family != .gpt2
            if upcast { s = b.add("scores_float", .pointwise(Pointwise(.cast(.float32))), [s]) }
            var p = b.softmax(s, "softmax", dim: -1)
            if upcast { p = b.add("probs_cast", .pointwise(Pointwise(.cast(nil))), [p]) }
            p = b.dropout(p, "attn_dropout", p: config.attentionDropout)
            o = b.matmul(p, vr, "context")
        } else if kernel == .math {
            // _scaled_dot_product_attention_math (aten/src/ATen/native/transformers/attention.cpp): q and k^T each
            // scaled by sqrt(scale), repeat_interleave for GQA, its own [S, S] mask for is_causal, _safe_softmax,
            // dropout, matmul.
            // Half-precision q, k, v are computed in float32 on CPU (query_acc = query_.to(kFloat)).
            let upcast = !options.onCUDA && (options.dtype == .bfloat16 || options.dtype == .float16)
            func acc(_ t: String, _ name: String) -> String {
                upcast ? b.add(name, .pointwise(Pointwise(.cast(.float32))), [t]) : t
            }
            let (qa, ka, va) = (acc(q, "q_float"), acc(k, "k_float"), acc(v, "v_float"))
            let kr = groups > 1 ? b.add("repeat_kv_k", .repeatKV(groups: groups), [ka]) : ka
            let vr = groups > 1 ? b.add("repeat_kv_v", .repeatKV(groups: groups), [va]) : va
            let qs = b.add("q_scaled", .scale(factor: scaling.squareRoot()), [qa])
            let kt = b.transpose(kr, "key_t", -1, -2)
            let ks = b.add("k_scaled", .scale(factor: scaling.squareRoot()), [kt])
            var s = b.matmul(qs, ks, "scores")
            if let mask {
                s = b.sum([s, mask], "scores_masked")
            } else if causal {
                var m = b.add("causal_mask", .causalMask(shared: true), ["input_ids"])
                if upcast { m = b.add("causal_mask_float", .pointwise(Pointwise(.cast(.float32))), [m]) }
                s = b.sum([s, m], "scores_masked")
            }
            var p = b.softmax(s, "safe_softmax", dim: -1)
            p = b.dropout(p, "attn_dropout", p: config.attentionDropout)
            o = b.matmul(p, vr, "context")
            if upcast { o = b.add("context_cast", .pointwise(Pointwise(.cast(nil))), [o]) }
        } else {
            // sdpa_attention_forward: enable_gqa without a mask (use_gqa_in_sdpa), repeat_kv before the call with one.
            let kr = groups > 1 && mask != nil ? b.add("repeat_kv_k", .repeatKV(groups: groups), [k]) : k
            let vr = groups > 1 && mask != nil ? b.add("repeat_kv_v", .repeatKV(groups: groups), [v]) : v
            o = b.add("sdpa", .sdpa(SDPA(kernel: kernel, causal: causal && mask == nil, dropout: config.attentionDropout)), [q, kr, vr])
        }
        o = b.transpose(o, "context_transpose", 1, 2)
        o = b.add("context_contiguous", .pointwise(Pointwise(.contiguous)), [o])
        return b.reshape(o, "context_view", shape: [seq, config.heads * config.headDim])
    }

    /// LlamaRMSNorm: `weight * (x.float() * rsqrt(x.float().pow(2).mean(-1) + eps)).to(dtype)`; Gemma scales by
    /// `1 + weight` in float32 before the cast.
    func rmsNorm(_ b: inout GraphBuilder, _ x: String, _ name: String) -> String {
        b.scoped(name) { b in
            let h = b.add("to_float", .pointwise(Pointwise(.cast(.float32))), [x])
            let p = b.add("pow", .pointwise(Pointwise(.pow(2))), [h])
            let m = b.mean(p, "mean", dims: [-1], keepDim: true)
            let e = b.add("add_eps", .pointwise(Pointwise(.addScalar(config.rmsEps))), [m])
            let r = b.add("rsqrt", .pointwise(Pointwise(.rsqrt)), [e])
            let n = b.mul([h, r], "normalized")
            if config.family == .gemma || config.family == .gemma2 {
                let w = b.layerScale(n, "weight", dim: -1, plusOne: true)
                return b.add("to_dtype", .pointwise(Pointwise(.cast(nil))), [w])
            }
            let c = b.add("to_dtype", .pointwise(Pointwise(.cast(nil))), [n])
            return b.layerScale(c, "weight", dim: -1)
        }
    }

    func norm(_ b: inout GraphBuilder, _ x: String, _ name: String) -> String {
        switch config.family {
        case .gpt2, .bert, .roberta, .gptNeoX: b.layerNorm(x, name)
        default: rmsNorm(&b, x, name)
        }
    }

    /// The activation as transformers' ACT2FN writes it; `gelu_new` (NewGELUActivation) is
    /// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, one op at a time.
    func activation(_ b: inout GraphBuilder, _ x: String, _ name: String) -> String {
        switch config.act {
        case .silu: return b.act(x, name, .silu)
        case .relu: return b.act(x, name, .relu)
        case .gelu, .geluTanh: return b.act(x, name, .gelu)
        case .geluNew:
            return b.scoped(name) { b in
                let half = b.add("half_x", .scale(factor: 0.5), [x])
                let cube = b.add("pow", .pointwise(Pointwise(.pow(3))), [x])
                let m = b.add("mul_coeff", .scale(factor: 0.044715), [cube])
                let s = b.sum([x, m], "add_x")
                let u = b.add("mul_sqrt_2_pi", .scale(factor: (2 / Double.pi).squareRoot()), [s])
                let t = b.act(u, "tanh", .tanh)
                let w = b.add("one_plus", .pointwise(Pointwise(.addScalar(1))), [t])
                return b.mul([half, w], "mul")
            }
        }
    }
}
