import Testing
@testable import MemQCore

/// A checkpointing selection that covers no block is refused up front, naming the blocks the model has.
@Suite struct CheckpointSelectionTests {
    /// input [16] -> blocks `stage.0`, `stage.1`, `stage.2` (a linear and a ReLU each) -> `head`.
    static func threeBlocks() throws -> ModelAnalysis {
        var b = GraphBuilder(name: "three_blocks")
        var x = b.input(shape: [16])
        b.scoped("stage") { b in
            for i in 0..<3 {
                b.scoped("\(i)") { b in
                    x = b.add("fc", .linear(Linear(outFeatures: 16)), [x])
                    x = b.relu(x, "relu")
                }
            }
        }
        b.add("head", .linear(Linear(outFeatures: 4)), [x])
        return try ModelAnalysis(try b.build())
    }

    private func failure(_ a: ModelAnalysis, _ checkpoint: Checkpointing) -> EstimateError? {
        do throws(EstimateError) {
            _ = try Estimator.estimate(a, TrainingConfig(batch: 2, checkpoint: checkpoint))
            return nil
        } catch {
            return error
        }
    }

    @Test func selectionsThatMatch() throws {
        let a = try Self.threeBlocks()
        let plain = try Estimator.estimate(a, TrainingConfig(batch: 2))
        for checkpoint in [Checkpointing.everyKthBlock(1), .everyKthBlock(3), .blocks(["stage"]), .blocks(["stage.1"])] {
            #expect(failure(a, checkpoint) == nil, "\(checkpoint)")
        }
        #expect(try Estimator.estimate(a, TrainingConfig(batch: 2, checkpoint: .everyKthBlock(1))).peakBytes <= plain.peakBytes)
    }

    @Test func everyKBeyondTheBlocks() throws {
        let e = failure(try Self.threeBlocks(), .everyKthBlock(4))
        #expect(e != nil)
        #expect(e?.description.contains("3 blocks") == true, "\(e?.description ?? "")")
        #expect(e?.description.contains("stage.0, stage.1, stage.2") == true, "\(e?.description ?? "")")
    }

    @Test func unknownBlockName() throws {
        // `stage.` and `stag` are no block names and no dotted parents of one.
        for name in ["stag", "stage.3", "head"] {
            let e = failure(try Self.threeBlocks(), .blocks(["stage.1", name]))
            #expect(e?.description.contains("'\(name)'") == true, "\(name): \(e?.description ?? "no error")")
            #expect(e?.description.contains("stage.0, stage.1, stage.2") == true, "\(e?.description ?? "")")
        }
    }

    @Test func modelWithoutBlocks() throws {
        var b = GraphBuilder(name: "flat")
        let x = b.input(shape: [16])
        b.add("fc", .linear(Linear(outFeatures: 4)), [x])
        let a = try ModelAnalysis(try b.build())
        #expect(failure(a, .none) == nil)
        for checkpoint in [Checkpointing.everyKthBlock(1), .blocks(["fc"])] {
            let e = failure(a, checkpoint)
            #expect(e?.description.contains("no blocks") == true, "\(checkpoint): \(e?.description ?? "no error")")
        }
    }
}
