import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Hugging Face models built from `config.json` against PyTorch's own accounting of their training step
/// (shared/groundtruth/hf/peaks.csv: transformers 5.24, MemTracker under FakeTensorMode on CPU, the second step's
/// peak, `model(input_ids=ids, labels=ids)`).
///
/// MemTracker leaves out the input ids (they exist before tracking starts) until an op views them: GPT-2's
/// `input_ids.view(-1, S)` and BERT's `labels.view(-1)` in its loss make a new tensor over the ids' storage, and
/// MemTracker then counts the ids' B*S*8 bytes. That is why the GPT-2 and BERT rows sit B*S*8 bytes above our
/// `peakWithoutInput` (the peak less the input batch); LLaMA reads its ids without a view, so its rows do not.
///
/// Measured when these tests were written: every row within 0.01% but gpt2-l4-d256 b1 s128 adamw bf16 eager
/// (-0.26%); every float32 row byte-exact once the viewed ids are added.
@Suite struct HFCalibrationTests {
    struct Row: Sendable, CustomStringConvertible {
        let model: String, batch: Int, seq: Int, optimizer: String, dtype: String, attn: String
        let params: Int, total: Int
        var description: String { "\(model) b\(batch) s\(seq) \(optimizer) \(dtype) \(attn)" }
    }

    static let rows: [Row] = {
        let url = HFFixtures.groundTruth.appendingPathComponent("peaks.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        // model,batch,seq_len,optimizer,dtype,attn,params,parameter,buffer,gradient,activation,temp,optstate,other,Total
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 15, let b = Int(f[1]), let s = Int(f[2]), let p = Int(f[6]), let t = Int(f[14]) else { return nil }
            return Row(model: f[0], batch: b, seq: s, optimizer: f[3], dtype: f[4], attn: f[5], params: p, total: t)
        }
    }()

    /// 3 models x 3 (batch, sequence) x 3 (optimizer, dtype) x 2 attention implementations.
    @Test func peaksFileIsReadable() { #expect(Self.rows.count == 54) }

    static func estimate(_ row: Row) throws -> Estimate {
        let config = try HFFixtures.config(row.model)
        let policy = try #require(DTypePolicy(name: row.dtype))
        let implementation = try #require(HFBuildOptions.Implementation(rawValue: row.attn))
        let graph = try HFModels.build(config, seq: row.seq,
                                       options: HFBuildOptions(implementation: implementation, onCUDA: false, dtype: policy.activations))
        let analysis = try ModelAnalysis(graph)
        let training = TrainingConfig(batch: row.batch, dtype: policy, optimizer: try #require(Optimizer(name: row.optimizer)))
        return try Estimator.estimate(analysis, training)
    }

    /// The peak less the input within 1% of MemTracker's `Total`, and the parameter count exact.
    @Test("every row within 1%", arguments: rows)
    func withinOnePercent(_ row: Row) throws {
        let e = try Self.estimate(row)
        let error = Double(e.peakWithoutInput - row.total) / Double(row.total)
        #expect(abs(error) <= 0.01, "peak less input \(e.peakWithoutInput) vs Total \(row.total) (\(error * 100)%) at \(e.peakAt)")
        #expect(e.params.total == row.params)
    }

    /// In float32 the rules reproduce MemTracker to the byte: `Total` is the peak less the input, plus the ids'
    /// B*S*8 bytes for the models that view them (GPT-2, BERT; see the suite's note).
    @Test("float32 rows byte-exact", arguments: rows.filter { $0.dtype == "fp32" })
    func float32Exact(_ row: Row) throws {
        let e = try Self.estimate(row)
        let viewedIds = row.model.hasPrefix("llama") ? 0 : row.batch * row.seq * 8
        #expect(e.peakWithoutInput + viewedIds == row.total, "at \(e.peakAt)")
    }
}
