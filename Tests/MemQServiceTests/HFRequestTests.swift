import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// memqd's `hf_config` body: a Hugging Face config sent inline, read like a `config.json` file.
@Suite struct HFRequestTests {
    let service = MemQService(allowFiles: false)

    /// The LLaMA-GQA calibration config of shared/groundtruth/hf (4 layers, width 512, 8 heads, 2 key/value heads,
    /// SwiGLU 1376, vocabulary 32000), inline.
    static let llama: JSONValue = [
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 512, "intermediate_size": 1376,
        "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2, "head_dim": 64,
        "vocab_size": 32000, "tie_word_embeddings": false, "rms_norm_eps": 1e-6,
    ]

    /// PyTorch's own accounting of this step (shared/groundtruth/hf/peaks.csv: llama-l4-d512-gqa, batch 1, 128
    /// tokens, SGD, fp32, sdpa) is Total = 367,956,232 bytes without the input ids; parameters 43,848,192.
    @Test func inlineConfigMatchesPyTorch() throws {
        let body: JSONValue = ["hf_config": Self.llama, "batch": 1, "input": [128], "optimizer": "sgd", "attention": "sdpa"]
        let e = try service.estimate(body)
        #expect(e.peakWithoutInputBytes == 367_956_232)
        #expect(e.params.total == 43_848_192)
        #expect(e.assumptions?.first?.contains("flash") == true)
        // The same config as the `model` object is read the same way.
        let viaModel = try service.estimate(["model": Self.llama, "batch": 1, "input": [128], "optimizer": "sgd"])
        #expect(viaModel.peakWithoutInputBytes == e.peakWithoutInputBytes)
    }

    /// The attention options change the graph (eager keeps the S x S scores), and a bad value names its field.
    @Test func attentionOptions() throws {
        let sdpa = try service.estimate(["hf_config": Self.llama, "batch": 2, "input": [512], "attention": "sdpa"])
        let eager = try service.estimate(["hf_config": Self.llama, "batch": 2, "input": [512], "attention": "eager"])
        #expect(eager.peakBytes > sdpa.peakBytes)
        #expect(throws: WireError.self) { try service.estimate(["hf_config": Self.llama, "attention": "fast"]) }
        do {
            _ = try service.estimate(["hf_config": Self.llama, "attention-kernel": "turbo"])
            Issue.record("accepted an unknown kernel")
        } catch {
            #expect(error.field == "attention-kernel")
        }
        // A config naming an implementation MemQ does not model is refused unless --attention picks one.
        var flash2 = Self.llama
        if case .object(var o) = flash2 { o["attn_implementation"] = "flash_attention_2"; flash2 = .object(o) }
        do {
            _ = try service.estimate(["hf_config": flash2, "input": [128]])
            Issue.record("accepted attn_implementation flash_attention_2 without --attention")
        } catch {
            #expect("\(error)".contains("attn_implementation"))
        }
        let chosen = try service.estimate(["hf_config": flash2, "input": [128], "optimizer": "sgd", "attention": "sdpa"])
        #expect(chosen.peakWithoutInputBytes == 367_956_232)
        do {
            _ = try service.estimate(["hf_config": ["model_type": "t5"]])
            Issue.record("accepted an unsupported model_type")
        } catch {
            #expect("\(error)".contains("model_type"))
        }
    }
}
