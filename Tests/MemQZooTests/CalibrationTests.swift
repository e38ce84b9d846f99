import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// The estimator against PyTorch's own accounting of a training step (shared/groundtruth/pytorch_peak_calibration.csv,
/// MemTracker under FakeTensorMode on CPU; the input batch is not in it).
@Suite struct CalibrationTests {
    struct Row: Sendable, CustomStringConvertible {
        let model: String, batch: Int, optimizer: String, dtype: String
        let parameter: Int, buffer: Int, gradient: Int, activation: Int, temp: Int, optstate: Int, total: Int
        var description: String { "\(model) b\(batch) \(optimizer) \(dtype)" }
    }

    static let rows: [Row] = {
        let url = GroundTruth.directory.appendingPathComponent("pytorch_peak_calibration.csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count >= 14, let b = Int(f[2]) else { return nil }
            let n = f[6...13].compactMap { Int($0) }
            guard n.count == 8 else { return nil }
            return Row(model: f[0], batch: b, optimizer: f[3], dtype: f[4], parameter: n[0], buffer: n[1], gradient: n[2],
                       activation: n[3], temp: n[4], optstate: n[5], total: n[7])
        }
    }()

    @Test func calibrationFileIsReadable() { #expect(Self.rows.count >= 100) }

    static func estimate(_ row: Row, runtime: RuntimeKind = .pytorch) throws -> Estimate {
        let entry = try #require(Zoo.entry(named: row.model))
        let analysis = try ModelAnalysis(try entry.graph())
        let config = TrainingConfig(batch: row.batch, dtype: try #require(DTypePolicy(name: row.dtype)),
                                    optimizer: try #require(Optimizer(name: row.optimizer)), runtime: runtime)
        return try Estimator.estimate(analysis, config)
    }

    /// The contract: peak less the input within 3% of Total; weights + gradients + optimizer state within 3%
    /// of parameter + gradient + optstate; activations + temporaries within 3% of activation + temp.
    @Test("every row within 3%", arguments: rows)
    func withinThreePercent(_ row: Row) throws {
        let e = try Self.estimate(row)
        let b = e.breakdown
        func rel(_ a: Int, _ b: Int) -> Double { b == 0 ? Double(abs(a)) : abs(Double(a - b)) / Double(b) }
        #expect(rel(e.peakWithoutInput, row.total) <= 0.03, "peak \(e.peakWithoutInput) vs \(row.total) at \(e.peakAt)")
        #expect(rel(b.weights + b.gradients + b.optimizerState, row.parameter + row.gradient + row.optstate) <= 0.03,
                "W+G+O \(b.weights + b.gradients + b.optimizerState) vs \(row.parameter + row.gradient + row.optstate)")
        #expect(rel(b.activations + b.temporary, row.activation + row.temp) <= 0.03,
                "A+T \(b.activations + b.temporary) vs \(row.activation + row.temp)")
    }

    /// The CPU semantics reproduce MemTracker to the byte, category by category.
    @Test("byte-exact by category", arguments: rows)
    func exact(_ row: Row) throws {
        let e = try Self.estimate(row)
        let b = e.breakdown
        #expect(b.weights == row.parameter)
        #expect(b.buffers == row.buffer)
        #expect(b.gradients == row.gradient)
        #expect(b.optimizerState == row.optstate)
        #expect(b.activations == row.activation)
        #expect(b.temporary == row.temp)
        #expect(e.peakWithoutInput == row.total)
    }
}
