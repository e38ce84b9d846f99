import Foundation
import Testing
@testable import MemQCore

/// Per-op rules on tiny graphs whose peak is worked out by hand (fp32, CPU semantics: exact bytes).
@Suite struct EstimatorTests {
    /// input [100] -> linear(10) with bias, batch 4, SGD.
    ///
    /// Persistent: weights (1000 + 10) * 4 = 4040; input 4*100*4 = 1600 and labels 4*8 = 32.
    /// Backward of addmm (the input needs no gradient): grad W 4000 and grad b 40 are allocated while the
    /// incoming gradient (4*10*4 = 160) is live; the loss (4) and `ones_like` (4) are still bound.
    /// Peak = 4040 + 1632 + 8 + (160 + 4000 + 40) = 9880, at `sum (grad bias)`.
    @Test func linearByHand() throws {
        var b = GraphBuilder(name: "fc")
        let x = b.input(shape: [100])
        b.add("fc", .linear(Linear(outFeatures: 10)), [x])
        let a = try ModelAnalysis(try b.build())
        let e = try Estimator.estimate(a, TrainingConfig(batch: 4))
        #expect(e.peakBytes == 9880)
        #expect(e.breakdown.weights == 4040)
        #expect(e.breakdown.input == 1632)
        #expect(e.breakdown.activations == 8)
        #expect(e.breakdown.temporary == 4200)
        #expect(e.breakdown.gradients == 0)
        #expect(e.peakAt.node == "fc")
        #expect(e.peakAt.phase == .backward)
        #expect(e.peakAt.event == "sum (grad bias)")
    }

    /// input [100] -> roll -> linear(10) with bias, batch 4, SGD: `linearByHand` plus the rolled copy of the input
    /// (at::roll allocates; 4*100*4 = 1600 bytes), which addmm keeps for its backward; the input needs no gradient,
    /// so roll has no backward. Peak = 9880 + 1600 = 11480, activations 8 + 1600 = 1608, at `sum (grad bias)`.
    @Test func rollByHand() throws {
        var b = GraphBuilder(name: "rolled")
        let x = b.input(shape: [100])
        let r = b.add("roll", .roll(shifts: [7], dims: [1]), [x])
        b.add("fc", .linear(Linear(outFeatures: 10)), [r])
        let a = try ModelAnalysis(try b.build())
        let e = try Estimator.estimate(a, TrainingConfig(batch: 4))
        #expect(e.peakBytes == 11480)
        #expect(e.breakdown.activations == 1608)
        #expect(e.breakdown.temporary == 4200)
        #expect(e.peakAt.event == "sum (grad bias)")
    }

    /// The same layer with Adam, batch 1: the step's per-parameter loop keeps `sqrt` and `div` of parameter i
    /// and the previous parameter's `denom`: max(2*4000 + 0, 2*40 + 4000) = 8000 bytes of scratch on top of
    /// weights 4040, gradients 4040, state 2*4040 + two 4-byte `step` scalars = 8088, the loss 4 and the input
    /// 400 + 8: 4040 + 4040 + 8088 + 8000 + 4 + 408 = 24580.
    @Test func adamStepScratchByHand() throws {
        var b = GraphBuilder(name: "fc")
        let x = b.input(shape: [100])
        b.add("fc", .linear(Linear(outFeatures: 10)), [x])
        let a = try ModelAnalysis(try b.build())
        let e = try Estimator.estimate(a, TrainingConfig(batch: 1, optimizer: .adam))
        #expect(e.peakAt.phase == .step)
        #expect(e.peakBytes == 24580)
        #expect(e.optimizerScratch == 8000)
        #expect(e.breakdown.optimizerState == 8088 + 8000)
    }

    /// conv(1->2, 3x3, no bias) on 1x4x4, in-place ReLU, flatten (a view), linear(8->3), batch 1.
    ///
    /// Weights (18 + 24 + 3) * 4 = 180; input 64 + labels 8. The conv output (32 bytes) is kept by ReLU (its
    /// result) and by linear (its input, through the view). Backward: addmm allocates grad input 32, grad W 96,
    /// grad b 12; after AccumulateGrad the linear's 108 bytes are gradients. ReLU's backward allocates 32 while
    /// its incoming 32 is live, then frees the conv output; conv's backward allocates grad W 72 (no grad input:
    /// the batch needs none). At that moment: 180 + 72 + 8 (loss, ones) + 108 + 32 + 72 = 472.
    @Test func convReluLinearByHand() throws {
        var b = GraphBuilder(name: "tiny")
        var x = b.input(shape: [1, 4, 4])
        x = b.conv(x, "conv", out: 2, kernel: 3, bias: false)
        x = b.relu(x, "relu", inplace: true)
        x = b.flatten(x)
        b.linear(x, "fc", out: 3)
        let a = try ModelAnalysis(try b.build())
        let e = try Estimator.estimate(a, TrainingConfig(batch: 1))
        #expect(e.peakBytes == 472)
        #expect(e.peakAt.node == "conv")
        #expect(e.peakAt.event == "convolution_backward")
        #expect(e.breakdown.gradients == 108)
        #expect(e.breakdown.temporary == 104)
    }

    /// Max pooling keeps int64 indices; dropout keeps a mask of the input's dtype (CPU). The seed rule counts
    /// every output twice: here 3 outputs (pool 16, dropout 16 and linear 8 bytes at batch 1) twice = 80 bytes.
    @Test func seedRuleByHand() throws {
        var b = GraphBuilder(name: "s")
        var x = b.input(shape: [1, 4, 4])
        x = b.maxPool(x, "pool", kernel: 2)
        x = b.flatten(x)
        x = b.dropout(x, p: 0.5)
        b.linear(x, "fc", out: 2)
        let a = try ModelAnalysis(try b.build())
        let e = try Estimator.estimate(a, TrainingConfig(batch: 1, optimizer: .momentum), method: .seed)
        // weights (4*2 + 2) * 4 = 40; gradients 40; momentum 40; outputs pool 16 + flatten 16 + dropout 16 + fc 8 = 56, twice.
        #expect(e.breakdown.weights == 40)
        #expect(e.breakdown.gradients == 40)
        #expect(e.breakdown.optimizerState == 40)
        #expect(e.breakdown.activations == 56)
        #expect(e.breakdown.temporary == 56)
        #expect(e.breakdown.input == 64)
    }

    private func tinyResNet() throws -> ModelAnalysis {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/models/tiny_resnet.json")
        return try ModelAnalysis(try ModelSpec.graph(from: try Data(contentsOf: url)))
    }

    @Test(arguments: [Optimizer.sgd, .adam, .rmsprop, .lion], [DTypePolicy.fp32, .bf16, .ampFP16, .mixedBF16])
    func peakNeverDecreasesWithBatch(optimizer: Optimizer, dtype: DTypePolicy) throws {
        let a = try tinyResNet()
        var last = 0
        for batch in [1, 2, 3, 4, 8, 16, 31, 64, 100, 256] {
            let e = try Estimator.estimate(a, TrainingConfig(batch: batch, dtype: dtype, optimizer: optimizer))
            #expect(e.peakBytes >= last, "batch \(batch)")
            #expect(e.peakBytes == e.breakdown.total)
            last = e.peakBytes
        }
    }

    @Test(arguments: [256 << 20, 1 << 30, 3 << 30])
    func fitFitsAndNextDoesNot(budget: Int) throws {
        let a = try tinyResNet()
        let config = TrainingConfig(batch: 1, optimizer: .adam)
        let fit = try Estimator.fit(a, config, budget: budget, margin: 0.05)
        let usable = Int(Double(budget) * 0.95)
        var c = config
        c.batch = fit.maxBatch
        #expect(try Estimator.estimate(a, c).peakBytes <= usable)
        c.batch = fit.maxBatch + 1
        #expect(try Estimator.estimate(a, c).peakBytes > usable)
        #expect(fit.next.config.batch == fit.maxBatch + 1)
    }

    @Test func badInput() throws {
        let a = try tinyResNet()
        for batch in [0, -3] {
            #expect(throws: EstimateError.self) { try Estimator.estimate(a, TrainingConfig(batch: batch)) }
        }
        do {
            _ = try Estimator.estimate(a, TrainingConfig(batch: 0))
        } catch {
            #expect(error.description.contains("batch"))
        }
        // Absurd batches: a clear error, no overflow trap.
        do {
            _ = try Estimator.estimate(a, TrainingConfig(batch: 1 << 60))
            Issue.record("expected an overflow error")
        } catch {
            #expect(error.description.contains("64 bits"))
        }
        // A budget smaller than the weights names them.
        do {
            _ = try Estimator.fit(a, TrainingConfig(batch: 1, optimizer: .adam), budget: 1000)
            Issue.record("expected a budget error")
        } catch {
            #expect(error.description.contains("smaller than the memory that does not depend on the batch"))
            #expect(error.description.contains("weights"))
        }
        #expect(Optimizer(name: "adamm") == nil)
        #expect(DTypePolicy(name: "fp8") == nil)
        #expect(GPUProfile.named("a100-41gb") == nil)
        #expect(throws: EstimateError.self) {
            try Estimator.estimate(a, TrainingConfig(batch: 4, runtime: .pytorchCUDA))
        }
        #expect(throws: EstimateError.self) { try Estimator.estimate(a, TrainingConfig(batch: 4, microBatch: 8)) }
        #expect(throws: EstimateError.self) { try Estimator.estimate(a, TrainingConfig(batch: 4, zeroStage: 2)) }
    }

    /// Checkpointing every block lowers the peak; gradient accumulation with micro-batches of 4 costs less than
    /// batch 16 in one pass but more than a plain batch of 4 (the gradients persist across micro-batches).
    @Test func trainingOptions() throws {
        let a = try tinyResNet()
        let plain = try Estimator.estimate(a, TrainingConfig(batch: 16))
        let checkpointed = try Estimator.estimate(a, TrainingConfig(batch: 16, checkpoint: .everyKthBlock(1)))
        #expect(checkpointed.peakBytes < plain.peakBytes)
        let micro = try Estimator.estimate(a, TrainingConfig(batch: 16, microBatch: 4))
        let four = try Estimator.estimate(a, TrainingConfig(batch: 4))
        #expect(micro.peakBytes < plain.peakBytes)
        #expect(micro.peakBytes > four.peakBytes)
        // Frozen layers: no gradients or optimizer state for them.
        let frozen = try ModelAnalysis(a.graph.freezing { $0.name.hasPrefix("stem") || $0.name.hasPrefix("block1") })
        let f = try Estimator.estimate(frozen, TrainingConfig(batch: 16, optimizer: .adam))
        let full = try Estimator.estimate(a, TrainingConfig(batch: 16, optimizer: .adam))
        #expect(f.peakBytes < full.peakBytes)
        // ZeRO-3 over 4 devices shards weights, gradients and state.
        let z = try Estimator.estimate(a, TrainingConfig(batch: 16, optimizer: .adam, dataParallel: 4, zeroStage: 3))
        #expect(z.breakdown.optimizerState * 4 <= full.breakdown.optimizerState + 4)
    }
}

/// config/devices.json and the built-in catalogue agree, and every profile the issue names is present.
@Suite struct DeviceCatalogTests {
    @Test func fileMatchesBuiltIn() throws {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/devices.json")
        let file = try GPUProfile.catalog(from: try Data(contentsOf: url))
        #expect(file == GPUProfile.builtIn)
        for name in ["a100-40gb", "a100-80gb", "h100-80gb", "v100-16gb", "v100-32gb", "rtx3090", "rtx4090", "l4", "t4"] {
            #expect(GPUProfile.named(name, in: file) != nil, "\(name)")
        }
        // A100 40GB: 40960 MiB = 42,949,672,960 bytes.
        #expect(GPUProfile.named("A100_40GB")?.memoryBytes == 42_949_672_960)
    }

    /// pytorch-cuda adds the context and rounds reserved memory to whole segments: its peak is above the
    /// tensor peak by at least the context, and a multiple of 2 MiB plus the context and workspaces.
    @Test func cudaRuntimeAddsReservedSegments() throws {
        var b = GraphBuilder(name: "fc")
        let x = b.input(shape: [1024])
        b.add("fc", .linear(Linear(outFeatures: 1024)), [x])
        let a = try ModelAnalysis(try b.build())
        let gpu = try #require(GPUProfile.named("a100-40gb"))
        let tensors = try Estimator.estimate(a, TrainingConfig(batch: 8, gpu: gpu))
        let cuda = try Estimator.estimate(a, TrainingConfig(batch: 8, runtime: .pytorchCUDA, gpu: gpu))
        #expect(cuda.peakBytes >= tensors.peakBytes + gpu.contextBytes)
        let reserved = try #require(cuda.reservedBytes)
        #expect((reserved - gpu.cublasWorkspaceBytes - gpu.cudnnWorkspaceBytes) % (2 << 20) == 0)
        // Every CUDA tensor is rounded up to 512 bytes: the 8 x 1024 fp32 output is already a multiple, the
        // 4-byte loss is not.
        let cpu = try Estimator.estimate(a, TrainingConfig(batch: 8))
        #expect(tensors.peakBytes > cpu.peakBytes)
    }
}

/// Per-layer saved bytes for `summary --memory`, by hand on conv -> batchnorm -> relu_ -> maxpool, batch 2.
@Suite struct SavedActivationTests {
    /// conv saves the input batch (not counted: it is the input); batchnorm saves its input (the conv output,
    /// 2*4*8*8*4 = 2048 bytes) and save_mean/save_invstd (4*4 each = 32); relu_ saves its result (the batchnorm
    /// output, 2048); maxpool saves its input (the same storage, already counted) and int64 indices
    /// (2*4*4*4*8 = 1024 bytes).
    @Test func byHand() throws {
        var b = GraphBuilder(name: "t")
        var x = b.input(shape: [3, 8, 8])
        x = b.conv(x, "conv", out: 4, kernel: 3, padding: 1)
        x = b.batchNorm(x, "bn")
        x = b.relu(x, "relu")
        b.maxPool(x, "pool", kernel: 2)
        let a = try ModelAnalysis(try b.build())
        let saved = try Estimator.savedActivations(a, TrainingConfig(batch: 2))
        #expect(saved == [0, 0, 2048 + 32, 2048, 1024])
    }
}

/// The two ways of evaluating a recorded step agree: the scan of linear totals (CPU semantics) and the full
/// replay of the events.
@Suite struct TimelineProgramTests {
    @Test(arguments: [1, 3, 17, 256], [Optimizer.sgd, .adam, .rmspropCentered])
    func linearScanEqualsReplay(batch: Int, optimizer: Optimizer) throws {
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config/models/inception_block.json")
        let a = try ModelAnalysis(try ModelSpec.graph(from: try Data(contentsOf: url)))
        let config = TrainingConfig(batch: batch, optimizer: optimizer)
        let program = TimelineProgram(analysis: a, config: config, accumulating: false)
        let replay = program.run(batch: batch, rounding: .exact, allocator: nil)
        let scan = program.linearPeak(batch: batch)
        #expect(scan.live == replay.peakLive)
        #expect(scan.node == replay.peakEvent.node)
        #expect(scan.event == replay.peakEvent.event)
    }
}

/// Storage sizes per runtime, worked by hand: 4 KiB pages, 2 MiB huge pages from 2 MiB on (native), 512 B (CUDA).
@Suite struct StorageRoundingTests {
    @Test(arguments: [
        (1, 4096), (4096, 4096), (4097, 8192),
        (2_097_151, 2_097_152), (2_097_152, 2_097_152), (2_097_153, 4_194_304),
        (3_211_264, 4_194_304),  // resnet18's layer2 activation at batch 8: 8 x 128 x 28 x 28 x 4 bytes
        (6_422_528, 8_388_608),  // layer1's: 8 x 64 x 56 x 56 x 4 bytes
    ])
    func native(bytes: Int, expected: Int) {
        #expect(StorageRounding.native.rounded(bytes) == expected)
    }

    @Test func cudaAndExact() {
        #expect(StorageRounding.cuda.rounded(1) == 512)
        #expect(StorageRounding.cuda.rounded(5000) == 5120)
        #expect(StorageRounding.cuda.rounded(3_211_264) == 3_211_264)
        #expect(StorageRounding.exact.rounded(4097) == 4097)
    }
}

/// DenseNet's concatenations against PyTorch's own accounting, measured by us (MemTracker under FakeTensorMode,
/// torchvision's `_DenseBlock(num_layers=2, num_input_features=64, bn_size=4, growth_rate=32)` then avgpool,
/// flatten, linear(128, 10); batch 2, input 64x16x16, SGD, fp32: Total 3,035,000).
///
/// The rule it pins: cat's backward hands each input a narrow view of the incoming gradient, and when a feature's
/// gradient arrives a second time (it is read by every later layer's cat and by the block's output cat),
/// `InputBuffer::accumulate` computes `old_var + var` — a tensor the size of that feature, not of the whole cat.
@Suite struct DenseBlockTests {
    @Test func twoLayerDenseBlock() throws {
        var b = GraphBuilder(name: "denseblock2")
        let x = b.input(shape: [64, 16, 16])
        var inputs = [x]
        for j in 0..<2 {
            b.block("denselayer\(j + 1)") { b in
                var y = b.concat(inputs, "cat")
                y = b.batchNorm(y, "norm1")
                y = b.relu(y, "relu1")
                y = b.conv(y, "conv1", out: 128, kernel: 1, bias: false)
                y = b.batchNorm(y, "norm2")
                y = b.relu(y, "relu2")
                y = b.conv(y, "conv2", out: 32, kernel: 3, padding: 1, bias: false)
                inputs.append(y)
            }
        }
        var y = b.concat(inputs, "cat")
        y = b.adaptiveAvgPool(y, "avgpool")
        y = b.flatten(y)
        b.add("fc", .linear(Linear(outFeatures: 10)), [y])
        let e = try Estimator.estimate(try ModelAnalysis(try b.build()), TrainingConfig(batch: 2))
        #expect(e.peakWithoutInput == 3_035_000, "at \(e.peakAt)")
    }
}
