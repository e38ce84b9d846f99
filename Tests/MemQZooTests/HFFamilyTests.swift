import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Families added after the calibration set, against PyTorch's own accounting measured by us with peaks.csv's
/// procedure (transformers 5.24, MemTracker under FakeTensorMode, second step's peak), configs in Fixtures/hf/:
/// - Qwen3 (q_norm and k_norm over the head dimension), two configs, one with a tied head, two sizes, SGD and
///   AdamW, fp32 and bf16, eager and sdpa (qwen3_peaks.csv, 32 rows): all byte-exact when written.
/// - Gemma 2 (four norms per layer, soft-capped attention and final logits, alternating sliding-window layers;
///   eager only, as transformers runs it), with and without soft-capping (gemma2_peaks.csv, 16 rows): within 20 bytes
///   (the embedding normalizer's 4-byte scalar per layer and a 4-byte buffer MemQ does not model).
@Suite struct HFFamilyTests {
    struct Row: Sendable, CustomStringConvertible {
        let model: String, batch: Int, seq: Int, optimizer: String, dtype: String, attn: String, params: Int, total: Int
        var description: String { "\(model) b\(batch) s\(seq) \(optimizer) \(dtype) \(attn)" }
    }

    static let rows: [Row] = ["qwen3_peaks.csv", "gemma2_peaks.csv"].flatMap { file -> [Row] in
        let url = HFFixtures.fixtures.appendingPathComponent(file)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 15, let b = Int(f[1]), let s = Int(f[2]), let p = Int(f[6]), let t = Int(f[14]) else { return nil }
            return Row(model: f[0], batch: b, seq: s, optimizer: f[3], dtype: f[4], attn: f[5], params: p, total: t)
        }
    }

    @Test func filesAreReadable() { #expect(Self.rows.count == 32 + 16) }

    @Test("as measured (Gemma 2 within 20 bytes)", arguments: rows)
    func exact(_ row: Row) throws {
        let policy = try #require(DTypePolicy(name: row.dtype))
        let graph = try HFModels.build(try HFFixtures.config(row.model), seq: row.seq,
                                       options: HFBuildOptions(implementation: try #require(.init(rawValue: row.attn)), dtype: policy.activations))
        let e = try Estimator.estimate(try ModelAnalysis(graph),
                                       TrainingConfig(batch: row.batch, dtype: policy, optimizer: try #require(Optimizer(name: row.optimizer))))
        let slack = row.model.hasPrefix("gemma2") ? 20 : 0
        #expect(e.peakWithoutInput <= row.total && e.peakWithoutInput >= row.total - slack, "\(e.peakWithoutInput - row.total) at \(e.peakAt)")
        #expect(e.params.total == row.params)
    }
}
