import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Token-sequence models against their published parameter counts, each derived here by hand from the model's
/// configuration (Hugging Face config.json values), not printed by our code.
@Suite struct TransformerCountsTests {
    struct Expected: Sendable, CustomStringConvertible {
        let name: String
        let params: Int
        let defaultSeq: Int
        var description: String { name }
    }

    static let expected: [Expected] = [
        // BERT (BertModel, with pooler, no MLM/NSP heads), E hidden, F intermediate, V 30,522, 512 positions, 2 types.
        // Embeddings: V*E + 512*E + 2*E + LayerNorm 2E. Layer: attention 4E^2 + 4E, LayerNorm 2E, intermediate E*F + F,
        // output F*E + E, LayerNorm 2E. Pooler E^2 + E.
        // base (E 768, F 3072, 12 layers): 23,440,896 + 393,216 + 1,536 + 1,536 = 23,837,184;
        //   layer 2,362,368 + 1,536 + 2,362,368 + 2,360,064 + 1,536 = 7,087,872, x12 = 85,054,464; pooler 590,592;
        //   total 109,482,240 (HF bert-base-uncased BertModel; the paper's "110M").
        Expected(name: "bert_base", params: 109_482_240, defaultSeq: 512),
        // large (E 1024, F 4096, 24 layers): 31,254,528 + 524,288 + 2,048 + 2,048 = 31,782,912;
        //   layer 4,198,400 + 2,048 + 4,198,400 + 4,195,328 + 2,048 = 12,596,224, x24 = 302,309,376; pooler 1,049,600;
        //   total 335,141,888 (the paper's "340M").
        Expected(name: "bert_large", params: 335_141_888, defaultSeq: 512),
        // GPT-2 (GPT2LMHeadModel, LM head tied to wte: counted once), V 50,257, 1,024 positions.
        // wte V*E, wpe 1024*E; layer: ln_1 2E, c_attn 3E^2 + 3E, c_proj E^2 + E, ln_2 2E, c_fc 4E^2 + 4E,
        // c_proj 4E^2 + E = 12E^2 + 13E; ln_f 2E.
        // small (E 768, 12 layers): 38,597,376 + 786,432 + 12*7,087,872 (85,054,464) + 1,536 = 124,439,808.
        Expected(name: "gpt2", params: 124_439_808, defaultSeq: 1024),
        // medium (E 1024, 24): 51,463,168 + 1,048,576 + 24*12,596,224 (302,309,376) + 2,048 = 354,823,168.
        Expected(name: "gpt2_medium", params: 354_823_168, defaultSeq: 1024),
        // large (E 1280, 36): 64,328,960 + 1,310,720 + 36*19,677,440 (708,387,840) + 2,560 = 774,030,080.
        Expected(name: "gpt2_large", params: 774_030_080, defaultSeq: 1024),
        // xl (E 1600, 48): 80,411,200 + 1,638,400 + 48*30,740,800 (1,475,558,400) + 3,200 = 1,557,611,200.
        Expected(name: "gpt2_xl", params: 1_557_611_200, defaultSeq: 1024),
        // LLaMA (LlamaForCausalLM): embed V*E, per layer q E*H*d, k and v E*KV*d each, o H*d*E, MLP 3*E*F, two
        // RMSNorms 2E; final norm E; lm_head V*E unless tied.
        // 3.2 1B (V 128,256, E 2048, 16 layers, H 32, KV 8, d 64, F 8192, tied): attention 4,194,304 + 2*1,048,576
        //   + 4,194,304 = 10,485,760, MLP 50,331,648, norms 4,096: layer 60,821,504, x16 = 973,144,064;
        //   embed 262,668,288 (once); total 973,144,064 + 262,668,288 + 2,048 = 1,235,814,400.
        Expected(name: "llama_3_2_1b", params: 1_235_814_400, defaultSeq: 2048),
        // 2 7B (V 32,000, E 4096, 32 layers, H = KV = 32, F 11,008): attention 4*4096^2 = 67,108,864, MLP 135,266,304,
        //   norms 8,192: layer 202,383,360, x32 = 6,476,267,520; embed + head 2*131,072,000; norm 4,096;
        //   total 6,738,415,616.
        Expected(name: "llama_2_7b", params: 6_738_415_616, defaultSeq: 4096),
        // 3 8B (V 128,256, E 4096, 32 layers, H 32, KV 8, d 128, F 14,336): attention 2*16,777,216 + 2*4,194,304
        //   = 41,943,040, MLP 176,160,768, norms 8,192: layer 218,112,000, x32 = 6,979,584,000;
        //   embed + head 2*525,336,576; norm 4,096; total 8,030,261,248.
        Expected(name: "llama_3_8b", params: 8_030_261_248, defaultSeq: 4096),
        // 2 13B (V 32,000, E 5120, 40 layers, H = KV = 40, F 13,824): attention 4*5120^2 = 104,857,600,
        //   MLP 212,336,640, norms 10,240: layer 317,204,480, x40 = 12,688,179,200; embed + head 2*163,840,000;
        //   norm 5,120; total 13,015,864,320.
        Expected(name: "llama_2_13b", params: 13_015_864_320, defaultSeq: 4096),
        // 3 70B (V 128,256, E 8192, 80 layers, H 64, KV 8, d 128, F 28,672): attention 2*67,108,864 + 2*8,388,608
        //   = 150,994,944, MLP 704,643,072, norms 16,384: layer 855,654,400, x80 = 68,452,352,000;
        //   embed + head 2*1,050,673,152; norm 8,192; total 70,553,706,496.
        Expected(name: "llama_3_70b", params: 70_553_706_496, defaultSeq: 4096),
    ]

    @Test("published parameter counts", arguments: expected)
    func counts(_ e: Expected) throws {
        let entry = try #require(Zoo.entry(named: e.name))
        #expect(entry.inputDType == .int64)
        #expect(entry.defaultInput == [e.defaultSeq])
        let analysis = try ModelAnalysis(try entry.graph())
        #expect(analysis.params.total == e.params)
        #expect(analysis.params.trainable == e.params)
        #expect(analysis.inputShape.dims == [e.defaultSeq])
    }

    /// GPT-2 small at 1,024 tokens, by hand: per layer projections 4*E^2*S = 2,415,919,104, attention scores and
    /// weighted values 2*S^2*E = 1,610,612,736, MLP 8*E^2*S = 4,831,838,208 (8,858,370,048 x 12 = 106,300,440,576);
    /// tied head S*E*V = 39,523,713,024; total 145,824,153,600 MACs.
    @Test func gpt2MACs() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "gpt2")!.graph())
        #expect(analysis.macs == 145_824_153_600)
        #expect(analysis.layers.first { $0.name == "lm_head" }?.outputShape.dims == [1024, 50_257])
    }

    /// The token embedding owns the shared V x E table (50,257 * 768 = 38,597,376); the tied head adds none, and
    /// in backward both gradients of the one table are summed into one (an extra V*E*4 bytes while both exist).
    @Test func tiedEmbeddingCountedOnce() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "gpt2")!.graph())
        let wte = try #require(analysis.layers.first { $0.name == "transformer.wte" })
        #expect(wte.params.total == 50_257 * 768)
        #expect(wte.outputShape.dims == [1024, 768])
        let head = try #require(analysis.layers.first { $0.name == "lm_head" })
        #expect(head.params.total == 0)
        #expect(head.macs == 1024 * 768 * 50_257)
        // With SGD at batch 1 the step's gradients include the table once: gradient bytes = trainable * 4.
        let e = try Estimator.estimate(analysis, TrainingConfig(batch: 1))
        #expect(e.breakdown.gradients <= analysis.params.trainable * 4)
        // A spec naming a missing or mis-shaped owner is refused, naming the field.
        let json = ModelSpec.json(for: analysis.graph)
        var text = String(decoding: json.serialized(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"tied_to\":\"transformer.wte\"", with: "\"tied_to\":\"transformer.wpe\"")
        #expect(throws: ModelError.self) { _ = try ModelAnalysis(try ModelSpec.graph(from: Data(text.utf8))) }
    }

    /// The sequence length is the input shape (`--input 2048`); learned positions bound it.
    @Test func sequenceLengthIsTheInput() throws {
        let llama = try ModelAnalysis(try Zoo.entry(named: "llama_3_2_1b")!.build([8192]))
        #expect(llama.params.total == 1_235_814_400)
        #expect(llama.layers.first { $0.name == "lm_head" }?.outputShape.dims == [8192, 128_256])
        let bert = try ModelAnalysis(try Zoo.entry(named: "bert_base")!.build([128]))
        #expect(bert.params.total == 109_482_240)
        #expect(throws: ModelError.self) { try Zoo.entry(named: "gpt2")!.build([2048]) }
        #expect(throws: ModelError.self) { try Zoo.entry(named: "bert_base")!.build([3, 224, 224]) }
        #expect(Zoo.entry(named: "llama-2-7b")?.name == "llama_2_7b")
    }

    /// Each decoder or encoder layer is one block (where activation checkpointing may cut).
    @Test func layersAreBlocks() throws {
        for (name, prefix, count) in [("gpt2", "transformer.h.", 12), ("bert_base", "encoder.layer.", 12),
                                      ("llama_2_7b", "model.layers.", 32)] {
            let graph = try Zoo.entry(named: name)!.graph()
            let blocks = Set(graph.nodes.compactMap(\.block).filter { $0.hasPrefix(prefix) })
            #expect(blocks == Set((0..<count).map { "\(prefix)\($0)" }), "\(name)")
        }
    }
}
