import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// FSDP2 on Hugging Face models against torch 2.15's FSDPMemTracker, measured by us on CPU with the fake process
/// group (real tensors and allocations, no data moved), rank 0: `fully_shard` on every decoder layer, then on the
/// model (the root owns the embeddings, final norm and head), AdamW, batch 2 x 256 tokens, sdpa, fp32,
/// `model(input_ids=ids, labels=ids)`, the second iteration's peak, the ids not tracked.
@Suite struct HFFSDPTests {
    static func peak(_ model: String, _ fsdp: FSDP) throws -> Estimate {
        let graph = try HFModels.build(try HFFixtures.config(model), seq: 256,
                                       options: HFBuildOptions(implementation: .sdpa, dtype: fsdp.paramDType ?? .float32))
        var config = TrainingConfig(batch: 2, optimizer: .adamw)
        config.fsdp = fsdp
        return try Estimator.estimate(try ModelAnalysis(graph), config)
    }

    @Test("LLaMA (3 layers, width 384) byte for byte", arguments: [
        (FSDP(worldSize: 2), 209_754_752),
        (FSDP(worldSize: 4), 177_158_912),
        (FSDP(worldSize: 4, reshardAfterForward: false), 189_747_968),
        (FSDP(worldSize: 4, paramDType: .bfloat16, reduceDType: .float32), 132_231_680),
    ])
    func llama(_ fsdp: FSDP, _ total: Int) throws {
        let e = try Self.peak("llama-l3-d384-h6", fsdp)
        #expect(e.peakWithoutInput == total, "\(fsdp.description) at \(e.peakAt)")
    }

    /// GPT-2 (tied head, the root's): the tracker's 147,967,096 includes the ids' 2 x 256 x 8 bytes that GPT-2's
    /// `input_ids.view` makes MemTracker count (see HFCalibrationTests).
    @Test func gpt2() throws {
        let e = try Self.peak("gpt2-l2-d256-v8k", FSDP(worldSize: 2))
        #expect(e.peakWithoutInput + 2 * 256 * 8 == 147_967_096)
    }
}
