import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Qwen3 (q_norm and k_norm over the head dimension) against PyTorch's own accounting, measured by us with
/// peaks.csv's procedure (transformers 5.24, MemTracker under FakeTensorMode, second step's peak) for two configs in
/// Fixtures/hf/ — one with a tied head — at two sizes, two optimizers, fp32 and bf16, eager and sdpa
/// (Fixtures/hf/qwen3_peaks.csv). Measured when written: all 32 rows byte-exact.
@Suite struct HFQwen3Tests {
    struct Row: Sendable, CustomStringConvertible {
        let model: String, batch: Int, seq: Int, optimizer: String, dtype: String, attn: String, params: Int, total: Int
        var description: String { "\(model) b\(batch) s\(seq) \(optimizer) \(dtype) \(attn)" }
    }

    static let rows: [Row] = {
        let url = HFFixtures.fixtures.appendingPathComponent("qwen3_peaks.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 15, let b = Int(f[1]), let s = Int(f[2]), let p = Int(f[6]), let t = Int(f[14]) else { return nil }
            return Row(model: f[0], batch: b, seq: s, optimizer: f[3], dtype: f[4], attn: f[5], params: p, total: t)
        }
    }()

    @Test func fileIsReadable() { #expect(Self.rows.count == 32) }

    @Test("byte-exact", arguments: rows)
    func exact(_ row: Row) throws {
        let policy = try #require(DTypePolicy(name: row.dtype))
        let graph = try HFModels.build(try HFFixtures.config(row.model), seq: row.seq,
                                       options: HFBuildOptions(implementation: try #require(.init(rawValue: row.attn)), dtype: policy.activations))
        let e = try Estimator.estimate(try ModelAnalysis(graph),
                                       TrainingConfig(batch: row.batch, dtype: policy, optimizer: try #require(Optimizer(name: row.optimizer))))
        #expect(e.peakWithoutInput == row.total, "at \(e.peakAt)")
        #expect(e.params.total == row.params)
    }
}
