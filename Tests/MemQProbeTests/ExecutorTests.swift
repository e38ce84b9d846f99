// The graph executor: gradients against finite differences, training reduces the loss, the allocator's peak
// equals the native estimate.
import MemQCore
import MemQEngine
import MemQZoo
import Testing

@Suite struct ExecutorTests {
    /// Central differences of the loss for a few elements of every parameter tensor, against the backward pass.
    @Test(arguments: ["residual", "shuffle"])
    func gradientsMatchFiniteDifferences(name: String) throws {
        let graph = name == "residual" ? try TestGraphs.residual() : try TestGraphs.shuffle()
        let executor = try GraphExecutor<Double>(analysis: try ModelAnalysis(graph), batch: 3, optimizer: .sgd, seed: 7)
        executor.fixedRandomness = true
        _ = executor.forward()
        executor.backward()
        let parameters = executor.parameterTensors
        let gradients = executor.gradientTensors
        #expect(parameters.count == gradients.count)
        let h = 1e-6
        var worst = 0.0
        for (p, gradient) in zip(parameters, gradients) {
            let g = try #require(gradient)
            for index in Set([0, p.count / 3, p.count / 2, p.count - 1]) {
                let original = p[index]
                p[index] = original + h
                let plus = executor.evaluateLoss()
                p[index] = original - h
                let minus = executor.evaluateLoss()
                p[index] = original
                let numeric = (plus - minus) / (2 * h)
                let error = abs(numeric - g[index]) / max(abs(numeric), abs(g[index]), 1e-3)
                worst = max(worst, error)
            }
        }
        #expect(worst < 1e-4, "largest relative gradient error \(worst)")
    }

    /// Thirty steps on one fixed batch of random data: every optimizer family drives the loss down.
    @Test(arguments: [MemQCore.Optimizer.sgd, .momentum, .adam, .rmsprop])
    func trainingReducesTheLoss(optimizer: MemQCore.Optimizer) throws {
        let lr: Double = optimizer == .sgd ? 0.1 : optimizer == .momentum ? 0.02 : 0.01
        let executor = try GraphExecutor<Float>(analysis: try ModelAnalysis(try TestGraphs.small()), batch: 8,
                                                optimizer: optimizer, learningRate: lr, seed: 3)
        let first = executor.step()
        var last = first
        for _ in 0..<30 { last = executor.step() }
        #expect(last < first * 0.5, "loss \(first) -> \(last)")
    }

    /// The allocator's peak over the second and third steps is the `native` estimate's peak, byte for byte: the
    /// executor allocates and frees what the native profile says, when it says (zoo models at small inputs, and the
    /// test graphs for the ops the zoo's CNNs leave out: in-place silu, gelu, squeeze-excite, dropout, chunk).
    /// resnet18 at 64x64, batch 8 has tensors of 2 MiB and more (whole huge pages) and its peak where a residual
    /// gradient is summed just after a convolution's backward freed its workspace.
    @Test(arguments: [("lenet5", [1, 32, 32], 2), ("resnet18", [3, 32, 32], 2), ("mobilenet_v2", [3, 32, 32], 2),
                      ("shufflenet_v2_x1_0", [3, 32, 32], 2), ("squeezenet1_0", [3, 48, 48], 2),
                      ("densenet121", [3, 32, 32], 2), ("residual", [], 2), ("shuffle", [], 2), ("resnet18", [3, 64, 64], 8)])
    func allocatorPeakEqualsNativeEstimate(model: String, input: [Int], batch: Int) throws {
        let graph: Graph = switch model {
        case "residual": try TestGraphs.residual()
        case "shuffle": try TestGraphs.shuffle()
        default: try #require(Zoo.entry(named: model)).build(input)
        }
        let analysis = try ModelAnalysis(graph)
        for optimizer in [MemQCore.Optimizer.sgd, .adam] {
            let allocator = EngineAllocator()
            let executor = try GraphExecutor<Float>(analysis: analysis, batch: batch, optimizer: optimizer, allocator: allocator)
            executor.step()
            allocator.resetPeaks()
            executor.step()
            let estimate = try Estimator.estimate(analysis, TrainingConfig(batch: batch, optimizer: optimizer, runtime: .native))
            #expect(allocator.snapshot().mappedPeakTotal == estimate.peakBytes, "\(model) \(input) batch \(batch) \(optimizer)")
        }
    }

    /// Every CNN of the validation table runs natively.
    @Test(arguments: ["lenet5", "alexnet", "vgg11", "resnet18", "resnet50", "mobilenet_v2", "squeezenet1_0",
                      "shufflenet_v2_x1_0", "densenet121"])
    func zooModelsAreSupported(model: String) throws {
        let graph = try #require(Zoo.entry(named: model)).graph()
        try GraphExecutor<Float>.checkSupported(try ModelAnalysis(graph))
    }

    /// A node without a kernel is refused by name.
    @Test func unsupportedOpIsNamed() throws {
        var b = GraphBuilder(name: "ln")
        var x = b.input(shape: [4, 8])
        x = b.layerNorm(x, "norm")
        x = b.linear(x, "fc", out: 3)
        let analysis = try ModelAnalysis(try b.build())
        #expect(throws: GraphExecutorError.unsupportedOp(node: "norm", op: "layernorm")) {
            try GraphExecutor<Float>.checkSupported(analysis)
        }
    }
}
