import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// memqd's fine-tuning keys: `lora` (a string or peft's adapter_config object), `quantize-base`, `compute-dtype`,
/// `double-quant`, `fsdp` and its options; every estimate names its sharding.
@Suite struct FineTuningRequestTests {
    let service = MemQService(allowFiles: false)

    /// shared/groundtruth/hf/lora_peaks.csv: llama-l4-d512-gqa + LoRA r=16 q_proj,v_proj, batch 1, 128 tokens, AdamW,
    /// fp32, sdpa: Total 259,201,352, 106,496 trainable of 43,954,688.
    @Test func loraAsStringAndAsPeftObject() throws {
        let base: [String: JSONValue] = ["hf_config": HFRequestTests.llama, "batch": 1, "input": [128], "optimizer": "adamw",
                                         "attention": "sdpa"]
        var body = base
        body["lora"] = "r=16,alpha=32,dropout=0.05,targets=q_proj,v_proj"
        let e = try service.estimate(.object(body))
        #expect(e.peakWithoutInputBytes == 259_201_352)
        #expect(e.params.trainable == 106_496)
        #expect(e.params.total == 43_954_688)
        body["lora"] = ["r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": ["q_proj", "v_proj"],
                        "task_type": "CAUSAL_LM", "peft_type": "LORA"]
        #expect(try service.estimate(.object(body)).peakWithoutInputBytes == 259_201_352)
        #expect(e.sharding == "none")
    }

    @Test func badSettingsNameTheirField() throws {
        let base: [String: JSONValue] = ["hf_config": HFRequestTests.llama, "input": [64]]
        func field(_ extra: [String: JSONValue]) -> String? {
            do {
                _ = try service.estimate(.object(base.merging(extra) { $1 }))
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field(["lora": "targets=nothing"]) == "lora")
        #expect(field(["lora": ["r": 8, "modules_to_save": ["lm_head"]]]) == "lora")
        #expect(field(["quantize-base": "nf4"]) == "quantize-base")
        #expect(field(["quantize-base": "nf3", "lora": "r=8"]) == "quantize-base")
        #expect(field(["lora": "r=8", "quantize-base": "nf4", "compute-dtype": "fp8"]) == "compute-dtype")
        #expect(field(["reshard-after-forward": false]) == "fsdp")
        #expect(field(["fsdp": 0]) == "fsdp")
        #expect(field(["fsdp": 4, "data-parallel": 4]) == "fsdp")
    }

    @Test func fsdpAndQuantizedBaseThroughTheService() throws {
        let base: [String: JSONValue] = ["hf_config": HFRequestTests.llama, "batch": 2, "input": [256], "optimizer": "adamw"]
        let plain = try service.estimate(.object(base))
        var body = base
        body["fsdp"] = 4
        let sharded = try service.estimate(.object(body))
        #expect(sharded.sharding == "fsdp2 over 4 devices, reshard_after_forward=true")
        #expect(sharded.peakBytes < plain.peakBytes)
        body = base
        body["lora"] = "r=16,alpha=32,targets=q_proj,v_proj"
        let lora = try service.estimate(.object(body))
        body["quantize-base"] = "nf4"
        body["compute-dtype"] = "bf16"
        let qlora = try service.estimate(.object(body))
        // 4-bit storage of 28 of the 29 linear layers: the weights shrink by more than 3 bytes per quantized element.
        #expect(lora.breakdown.weights - qlora.breakdown.weights > 3 * (43_848_192 - 2 * 32_000 * 512 - 9 * 512))
    }
}
