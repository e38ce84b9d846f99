import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// QLoRA against PyTorch's own accounting, measured by us on CPU (bitsandbytes 0.50.2 trains 4-bit and int8 layers
/// there; torch 2.15, transformers 5.24, peft 0.21.2): LlamaForCausalLM checkpoints saved in bf16 and loaded with
/// `BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=..., bnb_4bit_compute_dtype=..., bnb_4bit_use_double_quant=...)`
/// or `load_in_8bit=True`, peft LoRA r=16, alpha 32, dropout 0.05 on q_proj and v_proj, AdamW (torch or bitsandbytes),
/// MemTracker's second-step peak with the quantization state tracked as `other`, the ids not counted, sdpa.
/// `tiny`: hidden 256, 2 layers, 4/2 heads, MLP 688, vocabulary 4000, batch 2 x 64 tokens; `d512`: hidden 512, 2
/// layers, 8/2 heads, MLP 1376, vocabulary 256, batch 2 x 128 (configs in Fixtures/hf/qlora-*.json).
///
/// The storage by hand, for the d512 model's q_proj [512, 512] in NF4 (bitsandbytes functional.py `quantize_4bit`,
/// blocks of 64): packed uint8 262,144 / 2 = 131,072; absmax float32 [4096] 16,384; code float32 [16] 64 — 147,520.
/// With double quantization: absmax uint8 4,096, offset 4, nested absmax float32 [16] 64, nested code 1,024, code
/// 64 — 136,324.
///
/// Not covered here: the dequantized-weight temporary inside `gemm_4bit` (MemTracker cannot see inside one op; MemQ
/// counts it with a GPU), `prepare_model_for_kbit_training` (not modelled: it casts the rest to float32).
@Suite struct HFQLoRATests {
    struct Case: Sendable, CustomStringConvertible {
        let model: String, seq: Int, dtype: DTypePolicy, optimizer: Optimizer, quantization: Quantization?
        let total: Int, weightsAndState: Int, optimizerState: Int
        var description: String { "\(model) \(quantization?.description ?? "bf16 LoRA") \(dtype.rawValue) \(optimizer.rawValue)" }
    }

    static let cases: [Case] = [
        Case(model: "qlora-d512", seq: 128, dtype: .bf16, optimizer: .adamw, quantization: nil,
             total: 25_895_208, weightsAndState: 11_817_984, optimizerState: 426_016),
        Case(model: "qlora-d512", seq: 128, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.nf4, computeDType: .bfloat16),
             total: 17_935_528, weightsAndState: 3_511_296 + 347_008, optimizerState: 426_016),
        Case(model: "qlora-d512", seq: 128, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.nf4, computeDType: .bfloat16, doubleQuant: true),
             total: 17_691_688, weightsAndState: 3_511_296 + 103_168, optimizerState: 426_016),
        Case(model: "qlora-d512", seq: 128, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.int8),
             total: 25_308_968, weightsAndState: 6_280_192 + 36_352, optimizerState: 426_016),
        Case(model: "qlora-d512", seq: 128, dtype: .bf16, optimizer: .pagedAdamW8bit, quantization: Quantization(.nf4, computeDType: .bfloat16),
             total: 17_644_168, weightsAndState: 3_511_296 + 347_008, optimizerState: 134_656),
        Case(model: "qlora-tiny", seq: 64, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.nf4, computeDType: .bfloat16),
             total: 15_243_432, weightsAndState: 4_938_240 + 91_520, optimizerState: 229_408),
        Case(model: "qlora-tiny", seq: 64, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.fp4, computeDType: .bfloat16, doubleQuant: true),
             total: 15_190_216, weightsAndState: 4_938_240 + 38_304, optimizerState: 229_408),
        // A float32 checkpoint with bf16 compute: x copied to bf16 and the output back to float32.
        Case(model: "qlora-tiny", seq: 64, dtype: .fp32, optimizer: .adamw, quantization: Quantization(.nf4, computeDType: .bfloat16, doubleQuant: true),
             total: 21_779_144, weightsAndState: 9_036_800 + 38_304, optimizerState: 229_408),
        Case(model: "qlora-tiny", seq: 64, dtype: .fp32, optimizer: .adamw, quantization: Quantization(.nf4),
             total: 21_832_360, weightsAndState: 9_036_800 + 91_520, optimizerState: 229_408),
        Case(model: "qlora-tiny", seq: 64, dtype: .bf16, optimizer: .adamw, quantization: Quantization(.int8),
             total: 17_124_904, weightsAndState: 5_663_232 + 19_200, optimizerState: 229_408),
        Case(model: "qlora-tiny", seq: 64, dtype: .bf16, optimizer: .adamW8bit, quantization: Quantization(.nf4, computeDType: .bfloat16),
             total: 15_098_760, weightsAndState: 4_938_240 + 91_520, optimizerState: 84_736),
        Case(model: "qlora-tiny", seq: 64, dtype: .bf16, optimizer: .bnbAdamW, quantization: Quantization(.nf4, computeDType: .bfloat16),
             total: 15_243_400, weightsAndState: 4_938_240 + 91_520, optimizerState: 229_376),
    ]

    static func estimate(_ c: Case) throws -> Estimate {
        let graph = try HFModels.build(try HFFixtures.config(c.model), seq: c.seq,
                                       options: HFBuildOptions(implementation: .sdpa, dtype: c.dtype.activations))
        var analysis = try ModelAnalysis(graph)
        if let q = c.quantization { analysis = try ModelAnalysis(try analysis.quantizingBase(q)) }
        let lora = try LoRA(parsing: "r=16,alpha=32,dropout=0.05,targets=q_proj,v_proj")
        analysis = try ModelAnalysis(try analysis.applyingLoRA(lora, dtype: c.dtype))
        return try Estimator.estimate(analysis, TrainingConfig(batch: 2, dtype: c.dtype, optimizer: c.optimizer))
    }

    /// Every measured row to the byte: the peak, the stored weights with their quantization state, the optimizer.
    @Test("measured peaks", arguments: cases)
    func measured(_ c: Case) throws {
        let e = try Self.estimate(c)
        #expect(e.peakWithoutInput == c.total, "at \(e.peakAt)")
        #expect(e.breakdown.weights == c.weightsAndState)
        #expect(e.breakdown.optimizerState == c.optimizerState)
    }

    @Test func storageByHand() {
        func stored(_ q: Quantization, _ out: Int, _ k: Int) -> Int {
            q.weightBytes(elements: out * k) + q.stateBytes(elements: out * k, rows: out)
        }
        #expect(stored(Quantization(.nf4), 512, 512) == 147_520)
        #expect(stored(Quantization(.nf4, doubleQuant: true), 512, 512) == 136_324)
        // [1376, 512]: nb = 11,008 blocks, nested ceil(11008 / 256) = 43 float32: 352,256 + 11,008 + 4 + 172 + 1,024 + 64.
        let expected1376: Int = 364_528
        #expect(stored(Quantization(.nf4, doubleQuant: true), 1376, 512) == expected1376)
        let int8Expected: Int = 262_144 + 2_048
        #expect(stored(Quantization(.int8), 512, 512) == int8Expected)
    }

    /// AdamW8bit (bitsandbytes optim/optimizer.py): 2n + 8 ceil(n / 256) for n >= 4096, else 8n; paged buffers of
    /// at least 1e5 elements live outside the device allocator.
    @Test func eightBitState() {
        let eight: Int = 2 * 8192 + 8 * 32
        #expect(Optimizer.adamW8bit.stateBytes(elements: 8192, stateType: .bfloat16).reduce(0, +) == eight)
        #expect(Optimizer.adamW8bit.stateBytes(elements: 2048, stateType: .bfloat16).reduce(0, +) == 8 * 2048)
        #expect(Optimizer.pagedAdamW8bit.stateBytes(elements: 176_128, stateType: .float32).reduce(0, +) == 8 * 688)
        #expect(Optimizer.pagedAdamW.stateBytes(elements: 176_128, stateType: .float32).isEmpty)
    }
}
