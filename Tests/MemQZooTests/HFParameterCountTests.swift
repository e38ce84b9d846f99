import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Parameter counts of Hugging Face configs against transformers' own, exactly.
///
/// The figures were computed with transformers 5.24 on PyTorch's meta device (no memory, exact shapes), for each
/// config file and the model class its `architectures[0]` names:
///
///     cfg = transformers.AutoConfig.from_pretrained(path)
///     cls = getattr(transformers, cfg.architectures[0])
///     with torch.device('meta'):
///         m = cls._from_config(cfg)
///     sum(p.numel() for p in m.parameters())
///
/// `model.parameters()` yields a tied LM head's weight once (it is the embedding's). The configs are minimal, as users
/// write them, so transformers' defaults fill every key they leave out (Fixtures/hf/, copied from the files the figures
/// were computed from); the last three are the ground truth's own configs (shared/groundtruth/hf/configs/, the models of
/// peaks.csv, whose `params` column agrees).
@Suite struct HFParameterCountTests {
    struct Expected: Sendable, CustomStringConvertible {
        let config: String
        let params: Int
        var description: String { config }
    }

    static let expected: [Expected] = [
        Expected(config: "mistral-l2-d256", params: 17_769_728),
        Expected(config: "qwen2-l2-d256", params: 5_316_864),
        Expected(config: "gemma-l2-d256", params: 5_997_824),
        Expected(config: "phi3-l2-d256", params: 18_121_984),
        Expected(config: "gpt_neox-l2-d256", params: 11_820_032),
        Expected(config: "roberta-l2-d256", params: 6_918_432),
        Expected(config: "bert-l2-d128-cls", params: 1_503_362),
        Expected(config: "llama-l2-d256-base", params: 3_630_336),
        Expected(config: "gpt2-l2-d128-n", params: 993_368),
        // The held-out LoRA configs (HFLoRATests): `params` of our own PyTorch runs, less the adapters where present.
        Expected(config: "llama-l3-d384-h6", params: 10_865_280),
        Expected(config: "gpt2-l2-d256-v8k", params: 3_890_176),
        Expected(config: "bert-l2-d256-mlm", params: 3_833_920),
        Expected(config: "qwen2-l2-d256-v8k", params: 3_553_536 - 28_672),
        Expected(config: "gemma-l2-d256-v8k", params: 3_949_824),
        Expected(config: "mistral-l2-d256-v8k", params: 5_481_728),
        Expected(config: "qwen3-l2-d256", params: 5_670_400),
        Expected(config: "qwen3-l3-d384-tied", params: 7_025_664),
        Expected(config: "gemma2-l2-d256", params: 3_623_168),
        Expected(config: "gemma2-l4-d256-nocap", params: 5_198_080),
        // The QLoRA configs (HFQLoRATests): the bf16 plain-LoRA runs' parameter bytes, less the float32 adapters, / 2.
        Expected(config: "qlora-tiny", params: (7_113_216 - 4 * 28_672) / 2),
        Expected(config: "qlora-d512", params: (11_817_984 - 4 * 53_248) / 2),
        Expected(config: "gpt2-l4-d256", params: 16_287_488),
        Expected(config: "bert-l4-d256-mlm", params: 11_201_594),
        Expected(config: "llama-l4-d512-gqa", params: 43_848_192),
    ]

    /// Every fixture has its expected figure (a new config file without one would go untested).
    @Test func everyFixtureIsCounted() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: HFFixtures.fixtures.path).filter { $0.hasSuffix(".json") }
        #expect(Set(files.map { String($0.dropLast(5)) }).isSubset(of: Set(Self.expected.map(\.config))))
        #expect(files.count == 21)
    }

    /// `sum(p.numel() for p in model.parameters())`, for both attention implementations (they have the same modules).
    @Test(arguments: expected)
    func matchesTransformers(_ e: Expected) throws {
        let config = try HFFixtures.config(e.config)
        // Gemma 2 has no sdpa path in transformers (modeling_gemma2.py: `_supports_sdpa = False`): refused.
        let implementations: [HFBuildOptions.Implementation] = config.family == .gemma2 ? [.eager] : [.sdpa, .eager]
        if config.family == .gemma2 {
            #expect(throws: ModelError.self) { try HFModels.build(config, seq: 8, options: HFBuildOptions(implementation: .sdpa)) }
        }
        for implementation in implementations {
            let graph = try HFModels.build(config, seq: 128, options: HFBuildOptions(implementation: implementation))
            let analysis = try ModelAnalysis(graph)
            #expect(analysis.params.total == e.params,
                    "\(e.config) (\(implementation.rawValue)): MemQ counts \(analysis.params.total), transformers \(e.params) (\(analysis.params.total - e.params))")
            #expect(analysis.params.frozen == 0)
        }
    }
}
