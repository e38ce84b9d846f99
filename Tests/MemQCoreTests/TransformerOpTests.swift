import Testing
@testable import MemQCore

/// The memory rules of the ops Hugging Face modules are written in, on tiny graphs worked out by hand from
/// tools/autograd/derivatives.yaml (what each backward formula uses, hence what autograd saves). CPU semantics, so
/// every figure is exact bytes.
///
/// Every graph starts with a layer that has parameters (an embedding of int64 ids, or a linear layer on float
/// features), so the ops under test need a gradient and autograd keeps what their backward uses. The graph input and
/// the parameters are not activations; the previous step's loss (a 4-byte float32 scalar) is, and is live throughout.
@Suite struct TransformerOpTests {
    /// The previous step's loss, still bound while this step's forward pass runs (float32: 4 bytes).
    static let oldLoss = 4

    /// Live activation bytes right after `event` of `node` in the forward pass.
    static func liveActivations(_ a: ModelAnalysis, _ c: TrainingConfig, node: String, event: String) throws -> Int {
        let trace = Estimator.trace(a, c)
        let s = try #require(trace.first { $0.phase == .forward && $0.node == node && $0.event == event },
                             "no forward sample '\(event)' at \(node)")
        return s.live[MemoryCategory.activations.rawValue]
    }

    /// Saved bytes per node, by name (a storage saved by several nodes counts at the first).
    static func saved(_ a: ModelAnalysis, _ c: TrainingConfig) throws -> [String: Int] {
        let bytes = try Estimator.savedActivations(a, c)
        return Dictionary(uniqueKeysWithValues: zip(a.layers.map(\.name), bytes))
    }

    // MARK: (a) RMSNorm

    /// LlamaRMSNorm in bf16, op by op: `h = x.to(float32)`; `v = h.pow(2).mean(-1, keepdim=True)`;
    /// `h = h * rsqrt(v + eps)`; `weight * h.to(bfloat16)`.
    ///
    /// ids [S] -> embedding(10, D) -> x [S, D] bf16, with B = 2, S = 8, D = 16 (B*S*D = 256 elements, B*S = 16 rows):
    /// - `_to_copy` saves nothing: h = 256 * 4 = 1024 bytes (float32);
    /// - `pow.Tensor_Scalar` saves `self`: h (1024); its result p (1024) is not saved;
    /// - `mean` saves nothing (its backward needs only the shape): m [B, S, 1] = 16 * 4 = 64;
    /// - `add.Scalar` saves nothing: e = 64;
    /// - `rsqrt` saves `result`: r = 64;
    /// - `mul` saves each operand for the other's gradient: h and r (both already kept);
    /// - `_to_copy` back to bf16 saves nothing: c = 256 * 2 = 512;
    /// - the weight's `mul` saves c for the weight's gradient (and the weight itself, a parameter).
    /// Saved: h 1024 (at pow), r 64 (at rsqrt), c 512 (at the weight) = 1600 bytes; p, m, e and n are freed.
    @Test func rmsNormInSteps() throws {
        var b = GraphBuilder(name: "rmsnorm")
        let ids = b.input("input_ids", shape: [8], dtype: .int64)
        let x = b.embedding(ids, "embed", count: 10, dim: 16)
        b.scoped("norm") { b in
            let h = b.add("to_float", .pointwise(Pointwise(.cast(.float32))), [x])
            let p = b.add("pow", .pointwise(Pointwise(.pow(2))), [h])
            let m = b.mean(p, "mean", dims: [-1], keepDim: true)
            let e = b.add("add_eps", .pointwise(Pointwise(.addScalar(1e-6))), [m])
            let r = b.add("rsqrt", .pointwise(Pointwise(.rsqrt)), [e])
            let n = b.mul([h, r], "normalized")
            let c = b.add("to_dtype", .pointwise(Pointwise(.cast(nil))), [n])
            _ = b.layerScale(c, "weight", dim: -1)
        }
        let a = try ModelAnalysis(try b.build())
        let config = TrainingConfig(batch: 2, dtype: .bf16)
        let saved = try Self.saved(a, config)
        #expect(saved["norm.pow"] == 1024)
        #expect(saved["norm.rsqrt"] == 64)
        #expect(saved["norm.weight"] == 512)
        for name in ["embed", "norm.to_float", "norm.mean", "norm.add_eps", "norm.normalized", "norm.to_dtype"] {
            #expect(saved[name] == 0, "\(name) saves \(saved[name] ?? -1)")
        }
        #expect(try Estimator.savedActivations(a, config).reduce(0, +) == 1600)
        // After the weight's mul: the old loss 4 + saved 1600 + the output [B, S, D] bf16 512 = 2116.
        #expect(try Self.liveActivations(a, config, node: "norm.weight", event: "mul (layer scale)") == 4 + 1600 + 512)
        // Parameters in bf16: (10 * 16 + 16) * 2 = 352 bytes; the ids 2 * 8 * 8 = 128 and the labels (one per row,
        // int64) 2 * 8 * 8 = 128 bytes of input.
        let e = try Estimator.estimate(a, config)
        #expect(e.breakdown.weights == 352)
        #expect(e.breakdown.input == 256)
    }

    /// `.to(dtype)` to the tensor's own dtype returns the tensor itself: no storage, no autograd node.
    @Test func castToOwnDTypeIsFree() throws {
        var b = GraphBuilder(name: "cast")
        let ids = b.input("input_ids", shape: [8], dtype: .int64)
        let x = b.embedding(ids, "embed", count: 10, dim: 16)
        let c = b.add("to_dtype", .pointwise(Pointwise(.cast(nil))), [x])
        b.add("pow", .pointwise(Pointwise(.pow(2))), [c])
        let a = try ModelAnalysis(try b.build())
        let config = TrainingConfig(batch: 2)
        // float32 embedding output [2, 8, 16] = 1024 bytes: pow saves it (through the no-op cast), once.
        let saved = try Self.saved(a, config)
        #expect(saved["to_dtype"] == 0)
        #expect(saved["pow"] == 1024)
        // After pow: the old loss 4 + x 1024 + the pow output 1024 (no copy made by the cast).
        #expect(try Self.liveActivations(a, config, node: "pow", event: "pow") == 4 + 1024 + 1024)
    }

    // MARK: (b) gelu_new

    /// NewGELUActivation as GPT-2 runs it: `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, one op each.
    ///
    /// features [S, D] -> c_fc linear(F) -> x -> gelu_new -> c_proj linear(D), with B = 2, S = 4, D = 8, F = 16:
    /// every tensor of the chain is B*S*F = 128 float32 elements = 512 bytes.
    /// - `0.5 * x`: mul by a Python number saves nothing -> half (kept by the last mul);
    /// - `pow(x, 3)` saves `self`: x;
    /// - `0.044715 * cube`, `x + ...`, `sqrt(2 / pi) * ...` save nothing (their results die);
    /// - `tanh` saves `result`: t;
    /// - `1 + t` saves nothing -> w (kept by the last mul);
    /// - `half * w` saves both operands: half and w;
    /// - c_proj saves its input: the output of gelu_new.
    /// Saved: x, half, t, w and the output: 5 * 512 = 2560 bytes.
    @Test func geluNewKeepsFiveTensors() throws {
        var b = GraphBuilder(name: "gelu_new")
        let input = b.input(shape: [4, 8])
        let x = b.linear(input, "c_fc", out: 16)
        let y = b.scoped("act") { b in
            let half = b.add("half_x", .scale(factor: 0.5), [x])
            let cube = b.add("pow", .pointwise(Pointwise(.pow(3))), [x])
            let m = b.add("mul_coeff", .scale(factor: 0.044715), [cube])
            let s = b.sum([x, m], "add_x")
            let u = b.add("mul_sqrt_2_pi", .scale(factor: (2 / Double.pi).squareRoot()), [s])
            let t = b.act(u, "tanh", .tanh)
            let w = b.add("one_plus", .pointwise(Pointwise(.addScalar(1))), [t])
            return b.mul([half, w], "mul")
        }
        b.linear(y, "c_proj", out: 8)
        let a = try ModelAnalysis(try b.build())
        let config = TrainingConfig(batch: 2)
        let saved = try Self.saved(a, config)
        #expect(saved["act.pow"] == 512)          // x
        #expect(saved["act.tanh"] == 512)         // t
        #expect(saved["act.mul"] == 1024)         // half and 1 + t
        #expect(saved["c_proj"] == 512)           // the output
        #expect(saved["c_fc"] == 0)               // the graph input: not an activation
        for name in ["act.half_x", "act.mul_coeff", "act.add_x", "act.mul_sqrt_2_pi", "act.one_plus"] {
            #expect(saved[name] == 0, "\(name) saves \(saved[name] ?? -1)")
        }
        #expect(try Estimator.savedActivations(a, config).reduce(0, +) == 5 * 512)
        // After c_proj's addmm: the old loss 4 + the five 512-byte tensors + c_proj's output B*S*D*4 = 256 = 2820.
        #expect(try Self.liveActivations(a, config, node: "c_proj", event: "addmm") == 4 + 5 * 512 + 256)
    }

    // MARK: (c) Rotary embedding

    /// `apply_rotary_pos_emb`: `q * cos + rotate_half(q) * sin`, rotate_half = `cat(-x2, x1)` of the two halves.
    ///
    /// ids [S] -> embedding(10, H*d) -> view [S, H, d] -> transpose(1, 2) -> q [H, S, d], with H = 2, S = 4, d = 8.
    /// The cos and sin tables are [S, d] = 32 float32 elements = 128 bytes each, once for the whole batch, computed
    /// under no_grad from `inv_freq` (a float32 buffer of d/2 = 4 elements, registered twice: `inv_freq` and
    /// `original_inv_freq`, 2 * 16 = 32 bytes).
    /// - `q * cos` saves cos (q's gradient is grad * cos; cos needs none, so q is not saved): 128;
    /// - the halves are views; `neg` saves nothing; `cat` saves nothing;
    /// - `rotate_half(q) * sin` saves sin: 128;
    /// - `add` saves nothing.
    /// Saved: 256 bytes whatever the batch. Per sample, q * cos, the rotated q * sin and their sum are
    /// H*S*d*4 = 256 bytes each: 512 at batch 2, 1024 at batch 4.
    @Test(arguments: [(2, 512), (4, 1024)])
    func rotaryTablesAreSharedByTheBatch(batch: Int, perTensor: Int) throws {
        let (h, s, d) = (2, 4, 8)
        var b = GraphBuilder(name: "rope")
        let ids = b.input("input_ids", shape: [s], dtype: .int64)
        let e = b.embedding(ids, "embed", count: 10, dim: h * d)
        let cos = b.add("rotary_emb.cos", .rotaryTable(RotaryTable(.cos, dim: d, buffers: [d / 2, d / 2])), [ids])
        let sin = b.add("rotary_emb.sin", .rotaryTable(RotaryTable(.sin, dim: d)), [ids])
        let q = b.transpose(b.reshape(e, "q_view", shape: [s, h, d]), "q_transpose", 1, 2)
        let xc = b.mul([q, cos], "q_cos")
        let x1 = b.add("q_x1", .split(Split(sizes: [d / 2, d / 2], index: 0, dim: -1)), [q])
        let x2 = b.add("q_x2", .split(Split(sizes: [d / 2, d / 2], index: 1, dim: -1)), [q])
        let n = b.add("q_neg", .pointwise(Pointwise(.neg)), [x2])
        let half = b.concat([n, x1], "q_rotate_half", dim: -1)
        let xs = b.mul([half, sin], "q_sin")
        _ = b.sum([xc, xs], "q_embed")
        let a = try ModelAnalysis(try b.build())
        #expect(a.layers.first { $0.name == "rotary_emb.cos" }?.batchShared == true)
        let config = TrainingConfig(batch: batch)
        let saved = try Self.saved(a, config)
        #expect(saved["q_cos"] == 128)
        #expect(saved["q_sin"] == 128)
        for name in ["embed", "q_neg", "q_rotate_half", "q_embed", "rotary_emb.cos", "rotary_emb.sin"] {
            #expect(saved[name] == 0, "\(name) saves \(saved[name] ?? -1)")
        }
        #expect(try Estimator.savedActivations(a, config).reduce(0, +) == 256)
        // After the final add: the old loss 4, the two tables 256, and q * cos, rotate_half(q) * sin and their sum
        // (the embedding output died with the last half's use in cat; -x2 and the cat with the sin product).
        #expect(try Self.liveActivations(a, config, node: "q_embed", event: "add") == 4 + 256 + 3 * perTensor)
        // After cat: the embedding output (a view of which is x1), -x2 (half a tensor) and the cat are live too.
        #expect(try Self.liveActivations(a, config, node: "q_rotate_half", event: "cat")
                == 4 + 256 + perTensor + perTensor + perTensor / 2 + perTensor)
        // The buffers: inv_freq and original_inv_freq, float32, d/2 each.
        #expect(try Estimator.estimate(a, config).breakdown.buffers == 2 * (d / 2) * 4)
    }

    // MARK: (d) SDPA: math against flash

    /// q, k, v [H, S, d] from three linear projections of features [S, D] (views of contiguous outputs), with
    /// B = 2, H = 2, S = 8, d = 4, D = 8: each of q, k, v is B*H*S*d*4 = 512 bytes; an S x S tensor of scores is
    /// B*H*S*S*4 = 1024 bytes.
    static func qkv(_ b: inout GraphBuilder) -> (q: String, k: String, v: String) {
        let x = b.input(shape: [8, 8])
        func head(_ b: inout GraphBuilder, _ name: String) -> String {
            b.reshape(b.linear(x, "\(name)_proj", out: 2 * 4), "\(name)_view", shape: [2, 8, 4])
        }
        return (head(&b, "q"), head(&b, "k"), head(&b, "v"))
    }

    /// The fused flash kernel (`_scaled_dot_product_flash_attention_for_cpu`) saves q, k, v, its output (512) and a
    /// float32 log-sum-exp per head and query: B*H*S*4 = 2*2*8*4 = 128 bytes. Nothing S x S exists.
    /// Saved: 3 * 512 + 512 + 128 = 2176; live after it: the old loss 4 + 2176 = 2180.
    @Test func flashKeepsOutputAndLogSumExp() throws {
        var b = GraphBuilder(name: "flash")
        let (q, k, v) = Self.qkv(&b)
        b.add("sdpa", .sdpa(SDPA(kernel: .flash, causal: true)), [q, k, v])
        let a = try ModelAnalysis(try b.build())
        let config = TrainingConfig(batch: 2)
        let saved = try Self.saved(a, config)
        #expect(saved["sdpa"] == 3 * 512 + 512 + 128)
        #expect(try Estimator.savedActivations(a, config).reduce(0, +) == 2176)
        #expect(try Self.liveActivations(a, config, node: "sdpa", event: "_scaled_dot_product_flash_attention_for_cpu") == 4 + 2176)
    }

    /// The math path as its ops: `scores = q @ k^T` (bmm saves both operands: q and k, 1024), `softmax` (saves its
    /// result P, 1024; the scores die), `dropout` (CPU: a mask of the input's dtype, 1024, saved; output 1024),
    /// `P' @ v` (saves P' and v, 1536). The scalings of q and k by sqrt(1/sqrt(d)) are left out: a mul by a Python
    /// number saves nothing and only swaps q and k for scaled copies of the same size.
    /// Saved: q, k, v (1536) and three S x S tensors, the probabilities, the dropout mask and the dropped
    /// probabilities (3072) = 4608; live after the second bmm: the old loss 4 + 4608 + its output 512 = 5124.
    @Test func mathKeepsTheSquareProbabilitiesAndTheMask() throws {
        var b = GraphBuilder(name: "math")
        let (q, k, v) = Self.qkv(&b)
        let kt = b.transpose(k, "key_t", -1, -2)
        let s = b.matmul(q, kt, "scores")
        let p = b.softmax(s, "softmax", dim: -1)
        let pd = b.dropout(p, "attn_dropout", p: 0.1)
        _ = b.matmul(pd, v, "context")
        let a = try ModelAnalysis(try b.build())
        let config = TrainingConfig(batch: 2)
        let saved = try Self.saved(a, config)
        #expect(saved["scores"] == 512 + 512)       // q and k
        #expect(saved["softmax"] == 1024)           // P
        #expect(saved["attn_dropout"] == 1024)      // the mask
        #expect(saved["context"] == 1024 + 512)     // P' and v
        #expect(try Estimator.savedActivations(a, config).reduce(0, +) == 4608)
        #expect(try Self.liveActivations(a, config, node: "context", event: "bmm") == 4 + 4608 + 512)
    }

    /// The memory-efficient kernel on CUDA pads its log-sum-exp to 32 queries: B*H*ceil(S/32)*32*4 = 2*2*32*4 = 512
    /// bytes at S = 8; with dropout it also returns the Philox seed and offset (two int64 scalars, 16 bytes).
    /// Live after it (a trace counts exact bytes, without CUDA's 512-byte rounding): the old loss 4 + q, k, v 1536 +
    /// output 512 + log-sum-exp 512 + 16 = 2580.
    @Test func efficientPadsLogSumExpOnCUDA() throws {
        var b = GraphBuilder(name: "efficient")
        let (q, k, v) = Self.qkv(&b)
        b.add("sdpa", .sdpa(SDPA(kernel: .efficient, causal: true, dropout: 0.1)), [q, k, v])
        let a = try ModelAnalysis(try b.build())
        let gpu = try #require(GPUProfile.named("a100-40gb"))
        let config = TrainingConfig(batch: 2, gpu: gpu)
        #expect(try Self.liveActivations(a, config, node: "sdpa", event: "_scaled_dot_product_efficient_attention") == 4 + 1536 + 512 + 512 + 16)
    }

    // MARK: (e) Kernel selection

    struct Selection: Sendable, CustomStringConvertible {
        let call: AttentionCall
        let kernel: AttentionKernel
        /// A phrase the reason must contain.
        let reason: String
        var description: String {
            "\(call.onCUDA ? "CUDA" : "CPU") \(call.dtype.rawValue) p=\(call.dropout) mask=\(call.hasMask) d=\(call.headDim) gqa=\(call.gqa)"
        }
    }

    static func call(cuda: Bool, _ dtype: DType, dropout: Double = 0, mask: Bool = false, headDim: Int = 64, gqa: Bool = false,
                     sm: Int? = nil) -> AttentionCall {
        AttentionCall(onCUDA: cuda, dtype: dtype, dropout: dropout, hasMask: mask, headDim: headDim, gqa: gqa, computeCapability: sm)
    }

    /// PyTorch's dispatcher. CPU (sdp_utils_cpp.cpp): flash unless dropout (`check_for_dropout`), whatever the dtype,
    /// mask, GQA or head size. CUDA (cuda/sdp_utils.cpp, priority flash, efficient, math): flash needs fp16/bf16, no
    /// mask, sm_80 or newer (`check_sm_version`), head size up to 256 (smaller sizes are padded), and takes dropout and
    /// GQA; memory-efficient needs the head size to be a multiple of `minimum_gemm_alignment` (sm80+: 4 for float32,
    /// 8 for 16-bit types), takes masks and GQA, no float64.
    static let selections: [Selection] = [
        Selection(call: call(cuda: false, .float32, dropout: 0.1), kernel: .math, reason: "refuses dropout"),
        Selection(call: call(cuda: false, .bfloat16, dropout: 0.1, mask: true), kernel: .math, reason: "refuses dropout"),
        Selection(call: call(cuda: false, .float32), kernel: .flash, reason: "no dropout"),
        Selection(call: call(cuda: false, .bfloat16, mask: true, headDim: 12, gqa: true), kernel: .flash, reason: "no dropout"),
        Selection(call: call(cuda: true, .float32), kernel: .efficient, reason: "flash needs float16/bfloat16"),
        Selection(call: call(cuda: true, .float32, headDim: 12), kernel: .efficient, reason: "flash needs float16/bfloat16"),
        Selection(call: call(cuda: true, .float32, headDim: 6), kernel: .math, reason: "multiple of 4"),
        Selection(call: call(cuda: true, .float32, gqa: true), kernel: .efficient, reason: "flash needs float16/bfloat16"),
        Selection(call: call(cuda: true, .float64), kernel: .math, reason: "does not take float64"),
        Selection(call: call(cuda: true, .bfloat16), kernel: .flash, reason: "CUDA flash"),
        Selection(call: call(cuda: true, .bfloat16, dropout: 0.1, gqa: true), kernel: .flash, reason: "CUDA flash"),
        Selection(call: call(cuda: true, .float16, headDim: 256), kernel: .flash, reason: "CUDA flash"),
        Selection(call: call(cuda: true, .bfloat16, mask: true), kernel: .efficient, reason: "flash takes no attention mask"),
        Selection(call: call(cuda: true, .bfloat16, mask: true, gqa: true), kernel: .efficient, reason: "flash takes no attention mask"),
        Selection(call: call(cuda: true, .float16, sm: 70), kernel: .efficient, reason: "sm_80"),
        Selection(call: call(cuda: true, .bfloat16, sm: 90), kernel: .flash, reason: "CUDA flash"),
        Selection(call: call(cuda: true, .bfloat16, headDim: 264), kernel: .efficient, reason: "up to 256"),
        // Flash pads a head size of 12 to 16 itself; memory-efficient would need a multiple of 8.
        Selection(call: call(cuda: true, .bfloat16, headDim: 12), kernel: .flash, reason: "CUDA flash"),
        Selection(call: call(cuda: true, .float16, headDim: 12, sm: 75), kernel: .math, reason: "multiple of 8"),
    ]

    @Test(arguments: selections)
    func kernelSelection(_ s: Selection) {
        let (kernel, reason) = AttentionKernel.select(s.call)
        #expect(kernel == s.kernel)
        #expect(reason.contains(s.reason), "reason: \(reason)")
    }
}
