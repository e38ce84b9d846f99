// Trains a MemQ graph natively: forward, softmax cross-entropy, backward, optimizer step.
import MemQCore

/// Executes one training step of a `ModelAnalysis`'s graph on the CPU with the engine's kernels.
///
/// The step reproduces the allocation timeline the estimator's `native` profile predicts
/// (`StepSimulator+Forward.swift`): each op allocates its output and keeps what PyTorch's autograd keeps for its
/// backward (held by a `GraphGradFn`); a value nobody saved is dropped after its last consumer (ARC frees it
/// there); the backward pass runs PyTorch's engine order (ready functions, largest sequence number first) and sums
/// a second incoming gradient out of place; parameter gradients live until the optimizer step, which drops them
/// (`zero_grad(set_to_none=True)`). Every buffer comes from `allocator`, charged to a category: weights, buffers
/// (batch-norm running statistics and counter), gradients (of parameters), optimizer state, activations (outputs
/// and saved tensors), temporary (activation gradients, workspaces) and input (the batch and its labels).
///
/// Not thread-safe: drive it from one thread (the kernels use both cores themselves).
package final class GraphExecutor<T: EngineScalar> {
    /// The graph and its shapes.
    package let analysis: ModelAnalysis
    /// Samples per step.
    package let batch: Int
    /// Where every buffer comes from.
    package let allocator: EngineAllocator
    /// Seed of the parameters, the batch and the dropout masks.
    package let seed: UInt64
    /// When set, every step draws the same dropout masks (for gradient checks against finite differences).
    package var fixedRandomness = false
    /// Called after every op: each forward node, the loss, each backward function, each parameter's update (the
    /// probe samples the resident set there, as PyTorch's MemTracker samples after each op).
    package var afterEachOp: (() -> Void)?
    /// Called when each op has finished, with its node and phase (the latency measurement timestamps here): each
    /// forward node, the loss (its node), each backward function, each parameter's update (the parameter's node).
    package var opFinished: ((_ node: Int, _ phase: LatencyPhase) -> Void)?
    /// The loss node (`cross_entropy`), or the logits when the graph names no loss.
    var lossNode: Int {
        analysis.layers.firstIndex { if case .crossEntropy = $0.op { true } else { false } } ?? logitsNode
    }

    /// The batch (N, dims...) and its class labels (one per logits row), created once and reused every step.
    package let input: Tensor<T>
    package let labels: Tensor<Int32>

    /// Per node: trainable tensors in `model.parameters()` order, their gradients (nil outside a step).
    var parameters: [[Tensor<T>]]
    var gradients: [[Tensor<T>?]]
    /// Per node: batch-norm running mean and variance, and its `num_batches_tracked` counter.
    var runningStatistics: [[Tensor<T>]]
    var counters: [Tensor<Int64>?]
    let optimizer: any MemQEngine.Optimizer<T>

    /// Per node: the last node reading its output (-1: none), its resolved kernel options.
    let lastUse: [Int]
    let logitsNode: Int
    let convOptions: [Conv2dOptions?]
    let poolOptions: [Pool2dOptions?]

    /// State of the step in progress.
    var values: [Tensor<T>?] = []
    var functionOf: [Int] = []
    var functions: [GraphGradFn<T>] = []
    var lossFunction = -1
    var stepCount: UInt64 = 0

    /// Prepares the model: parameters (PyTorch's default initialisation, seeded), buffers, a random batch.
    /// - Parameters:
    ///   - optimizer: one of the estimator's optimizers, with PyTorch's defaults (`learningRate` overrides).
    /// - Throws: `GraphExecutorError` naming the first node the engine cannot run.
    package init(analysis: ModelAnalysis, batch: Int, optimizer: MemQCore.Optimizer, learningRate: Double? = nil,
                 allocator: EngineAllocator = EngineAllocator(), seed: UInt64 = 1) throws(GraphExecutorError) {
        guard batch > 0 else { throw .invalidBatch(batch) }
        self.analysis = analysis
        self.batch = batch
        self.allocator = allocator
        self.seed = seed
        let layers = analysis.layers
        var lastUse = [Int](repeating: -1, count: layers.count)
        for (i, layer) in layers.enumerated() { for v in layer.inputs { lastUse[v] = max(lastUse[v], i) } }
        self.lastUse = lastUse
        let logits = Self.logitsNode(analysis)
        self.logitsNode = logits
        let logitsDims = layers[logits].outputShape.dims
        guard let classes = logitsDims.last, classes > 1 else {
            throw .invalidLogits(node: layers[logits].name, message: "needs a last dimension of at least 2 classes, got shape \(layers[logits].outputShape)")
        }
        var conv: [Conv2dOptions?] = [], pool: [Pool2dOptions?] = []
        for i in layers.indices {
            try Self.check(layers[i], inputs: layers[i].inputs.map { layers[$0] })
            conv.append(try Self.convolutionOptions(layers[i], input: layers[i].inputs.first.map { layers[$0].outputShape.dims } ?? []))
            pool.append(try Self.poolingOptions(layers[i]))
        }
        convOptions = conv
        poolOptions = pool
        for layer in layers where layer.kind == .batchnorm {
            let dims = layers[layer.inputs[0]].outputShape.dims
            guard batch * dims.dropFirst().reduce(1, *) > 1 else {
                throw .unsupportedAttribute(node: layer.name, field: "batch",
                                            message: "batch norm in training needs more than one value per channel; use a batch of 2 or more")
            }
        }

        var random = EngineRandom(seed: seed)
        var params: [[Tensor<T>]] = [], stats: [[Tensor<T>]] = [], counts: [Tensor<Int64>?] = []
        for layer in layers {
            let inputDims = layer.inputs.first.map { layers[$0].outputShape.dims } ?? []
            let made = Self.makeParameters(layer, inputDims: inputDims, allocator: allocator, random: &random)
            params.append(made.parameters)
            stats.append(made.statistics)
            counts.append(made.counter)
        }
        parameters = params
        gradients = params.map { [Tensor<T>?](repeating: nil, count: $0.count) }
        runningStatistics = stats
        counters = counts
        self.optimizer = GraphOptimizerFactory.make(optimizer, learningRate: learningRate, as: T.self)

        let inputIndex = layers.firstIndex { if case .input = $0.op { true } else { false } } ?? 0
        input = Tensor(shape: [batch] + layers[inputIndex].outputShape.dims, category: .input, allocator: allocator)
        for i in 0..<input.count { input[i] = T(random.nextUnit() * 2 - 1) }
        let rows = batch * logitsDims.dropLast().reduce(1, *)
        labels = Tensor(shape: [rows], category: .input, allocator: allocator)
        for i in 0..<rows { labels[i] = Int32(random.next() % UInt64(classes)) }
    }

    // MARK: The step

    /// One training step: `forward()`, `backward()`, `optimizerStep()`. Returns the loss before the update.
    @discardableResult
    package func step() -> T {
        let loss = forward()
        backward()
        optimizerStep()
        return loss
    }

    /// The optimizer updates every parameter that has a gradient (in `model.parameters()` order, creating its
    /// state on the first step), then the gradients are dropped (`zero_grad(set_to_none=True)`).
    package func optimizerStep() {
        for node in parameters.indices {
            for k in parameters[node].indices {
                if let gradient = gradients[node][k] {
                    optimizer.update(parameter: parameters[node][k], gradient: gradient)
                    afterEachOp?()
                    opFinished?(node, .optimizer)
                }
            }
        }
        for node in gradients.indices { for k in gradients[node].indices { gradients[node][k] = nil } }
    }

    /// The loss of the current parameters without keeping anything for a backward pass (finite differences).
    package func evaluateLoss() -> T {
        let loss = forward()
        discardGraph()
        return loss
    }

    /// Drops the recorded backward functions and forward values (what a step does not need any more).
    package func discardGraph() {
        functions = []
        functionOf = []
        values = []
        lossFunction = -1
    }

    // MARK: Parameters for tests and reports

    /// Trainable tensors of every node, in `model.parameters()` order.
    package var parameterTensors: [Tensor<T>] { parameters.flatMap { $0 } }
    /// Their gradients after `backward()` (nil before, or for a parameter no gradient reached).
    package var gradientTensors: [Tensor<T>?] { gradients.flatMap { $0 } }

    /// The node whose output is the logits: the input of a final cross-entropy node, else the graph's output.
    static func logitsNode(_ analysis: ModelAnalysis) -> Int {
        let out = analysis.outputIndex
        if case .crossEntropy = analysis.layers[out].op { return analysis.layers[out].inputs[0] }
        return out
    }

    /// Whether node `v` is a graph input (never freed during the step: the caller holds the batch).
    func isGraphInput(_ v: Int) -> Bool {
        if case .input = analysis.layers[v].op { true } else { false }
    }

    /// Whether value `v` needs a gradient (some backward function produced or depends on it).
    func requiresGradient(_ v: Int) -> Bool { functionOf[v] >= 0 }

    /// A seed for node `node`'s random draws in this step.
    func randomSeed(node: Int) -> UInt64 {
        let step = fixedRandomness ? 0 : stepCount
        return seed &* 0x9E37_79B9_7F4A_7C15 &+ step &* 1_000_003 &+ UInt64(node)
    }
}
