import Testing
@testable import MemQCore

/// FSDP2 per device against PyTorch's own accounting: torch 2.15's `FSDPMemTracker` on CPU with the fake process
/// group (real allocations, no data moved), rank 0, second iteration. The model is
/// `nn.Sequential(*[nn.Sequential(nn.Linear(d, d), nn.ReLU()) for _ in range(4)])`, `fully_shard` on each block
/// then on the root, AdamW, batch 64, `cross_entropy(model(x), y)`, inputs not tracked. The figures (the tracker's
/// peak `Total`) came from that run, not from MemQ; the rules are in docs/memory-model.md ("FSDP2").
///
/// Worked through for W = 2, d = 512 (the peak is in block 1's backward, at its bias gradient): sharded parameters
/// 4 x 525,312 = 2,101,248; AdamW state 4 x (2 x 131,328 x 4 + 2 x 4) = 4,202,528; block 1 unsharded 1,050,624; block
/// 0's prefetched all-gather 1,050,624; block 2's retained reduce-scatter input 1,050,624; sharded gradients of blocks
/// 2, 3: 1,050,624; block 1's backward temporaries (weight grad 1,048,576, bias grad 2,048, two [64, 512] grads)
/// 1,312,768; saved ReLU output and loss 131,080. Total 11,950,120.
@Suite struct FSDPTests {
    static func mlp(_ d: Int) throws -> ModelAnalysis {
        var b = GraphBuilder(name: "mlp4")
        var x = b.input("x", shape: [d])
        for k in 0..<4 {
            b.block("\(k)") { b in
                x = b.act(b.linear(x, "0", out: d), "1", .relu)
            }
        }
        return try ModelAnalysis(try b.build())
    }

    static func peak(_ d: Int, _ fsdp: FSDP) throws -> Estimate {
        var config = TrainingConfig(batch: 64, optimizer: .adamw)
        config.fsdp = fsdp
        return try Estimator.estimate(try mlp(d), config)
    }

    @Test("FSDPMemTracker's peak, byte for byte", arguments: [
        (512, FSDP(worldSize: 2), 11_950_120),
        (512, FSDP(worldSize: 4), 8_272_936),
        (512, FSDP(worldSize: 4, reshardAfterForward: false), 9_191_976),
        // d = 510 at W = 2: no padding (255 rows each).
        (510, FSDP(worldSize: 2), 11_858_560),
    ])
    func measuredPeaks(_ d: Int, _ fsdp: FSDP, _ total: Int) throws {
        let e = try Self.peak(d, fsdp)
        #expect(e.peakWithoutInput == total, "\(fsdp.description): at \(e.peakAt)")
    }

    /// `MixedPrecisionPolicy(param_dtype=bf16, reduce_dtype=fp32)`, W = 4: the tracker's 6,565,924. MemQ's loss
    /// upcasts the logits (`cross_entropy(logits.float(), y)`, its convention for half precision), so its loss and
    /// total weight are float32: 4 bytes more than the script's bf16 loss.
    @Test func mixedPrecision() throws {
        let e = try Self.peak(512, FSDP(worldSize: 4, paramDType: .bfloat16, reduceDType: .float32))
        #expect(e.peakWithoutInput == 6_565_924 + 4)
        // The gathered unit and its prefetch in bf16 (2 x 262,656 x 2), the shards in fp32 (4 x 65,664 x 4).
        #expect(e.breakdown.weights == 2 * 525_312 + 1_050_624)
    }

    /// The shard of a [510, 510] weight at W = 4: `torch.chunk` rows ceil(510 / 4) = 128, every rank storing the
    /// padded 128 x 510 (`_fsdp_param.py` `_init_sharded_param`); its bias, 128.
    @Test func paddedShards() throws {
        let a = try Self.mlp(510)
        let linear = try #require(a.layers.first { $0.name == "0.0" })
        #expect(FSDPUnits.shardElements(linear, worldSize: 4) == [128 * 510, 128])
    }

    /// CPU offload keeps shards, gradients and optimizer state on the host: the device holds no optimizer state.
    @Test func cpuOffloadKeepsStateOnTheHost() throws {
        let e = try Self.peak(512, FSDP(worldSize: 2, cpuOffload: true))
        #expect(e.breakdown.optimizerState == 0)
        #expect(e.peakWithoutInput < 11_950_120 - 4_202_528)
    }

    @Test func conflictsAreErrors() throws {
        var config = TrainingConfig(batch: 8, dataParallel: 4, zeroStage: 3)
        config.fsdp = FSDP(worldSize: 4)
        #expect(throws: EstimateError.self) { try Estimator.estimate(try Self.mlp(64), config) }
        config = TrainingConfig(batch: 8, microBatch: 2)
        config.fsdp = FSDP(worldSize: 4)
        #expect(throws: EstimateError.self) { try Estimator.estimate(try Self.mlp(64), config) }
    }

    @Test func shardingIsNamed() {
        var config = TrainingConfig(batch: 1)
        #expect(config.shardingDescription == "none")
        config.dataParallel = 8; config.zeroStage = 2
        #expect(config.shardingDescription == "zero-2 over 8 devices")
        config = TrainingConfig(batch: 1)
        config.fsdp = FSDP(worldSize: 8, reshardAfterForward: false, paramDType: .bfloat16)
        #expect(config.shardingDescription == "fsdp2 over 8 devices, reshard_after_forward=false, param_dtype=bfloat16")
    }
}
