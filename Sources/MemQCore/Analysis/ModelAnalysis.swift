import Synchronization

/// Shapes and per-layer figures of a graph, computed once and reused by every query on it.
///
/// Everything here is per sample; a query multiplies by its batch. Building an analysis validates the graph:
/// every shape error surfaces here, naming its node.
public struct ModelAnalysis: Sendable {
    public let graph: Graph
    /// One record per node, in the graph's topological order.
    public let layers: [LayerStats]
    /// For each layer, the indices of the layers that read its output.
    public let consumers: [[Int]]
    /// Index of the output layer.
    public let outputIndex: Int
    /// Whether the step's structure at batch 1 differs from larger batches: torch.matmul folds a 4-D operand of
    /// one sample into 3-D without the copy it needs for two or more (the estimator then simulates batch 1 apart).
    let foldsDifferentlyAtBatchOne: Bool
    /// Identifies this analysis (and its copies) for caches of derived results; never reused.
    let identity = AnalysisIdentity.next()

    /// Infers shapes and counts every node.
    /// - Throws: `ModelError` naming the first node whose inputs do not fit.
    public init(_ graph: Graph) throws(ModelError) {
        self.graph = graph
        var index: [String: Int] = [:]
        var infos: [TensorInfo] = []
        var layers: [LayerStats] = []
        layers.reserveCapacity(graph.nodes.count)
        for (i, node) in graph.nodes.enumerated() {
            let inputIndices = node.inputs.map { index[$0]! } // Graph guarantees inputs exist and come first.
            let inputs = inputIndices.map { infos[$0] }
            let out = try ShapeInference.output(of: node, inputs: inputs)
            guard out.shape.elementCountChecked != nil else { throw .sizeOverflow(node: node.name, field: "output shape") }
            if case .linear(let l) = node.op, let owner = l.tiedTo {
                try Self.checkTie(node: node.name, owner: owner, linear: l, inFeatures: inputs.first?.dims.last ?? 0,
                                  graph: graph, index: index)
            }
            let counted = try Counting.count(node: node, inputs: inputs, output: out)
            let inputElements = try Checked(node: node.name, field: "input size").product([inputs.reduce(0) { $0 + $1.shape.elementCount }])
            layers.append(LayerStats(name: node.name, op: node.op, inputs: inputIndices, outputShape: out.shape,
                                     outputDType: out.dtype, params: counted.params, macs: counted.macs,
                                     exactFlops: counted.flops, inputElements: inputElements,
                                     weightElements: counted.weightElements, trainable: node.trainable, block: node.block,
                                     batchShared: out.batchShared, fp32Parameters: node.fp32Parameters))
            infos.append(out)
            index[node.name] = i
        }
        var consumers = [[Int]](repeating: [], count: layers.count)
        for (i, layer) in layers.enumerated() {
            for input in Set(layer.inputs) { consumers[input].append(i) }
        }
        self.layers = layers
        self.consumers = consumers
        self.outputIndex = index[graph.output]!
        self.foldsDifferentlyAtBatchOne = layers.contains { layer in
            guard case .matmul = layer.op else { return false }
            return layer.inputs.contains { layers[$0].outputShape.rank == 3 }
        }
        // Totals every estimate reports, summed once (a warm estimate is a few microseconds; these sums were most
        // of it for large graphs).
        params = layers.reduce(ParameterCount()) { $0 + $1.params }
        macs = layers.reduce(0) { $0 &+ $1.macs }
        elementsPerSample = layers.reduce(0) { $0 &+ $1.outputElements &+ $1.inputElements }
        inputShape = layers.first(where: { $0.kind == .input })?.outputShape ?? TensorShape([])
    }

    /// A tied linear layer needs an embedding of `(out_features, in_features)` earlier in the graph.
    static func checkTie(node: String, owner: String, linear: Linear, inFeatures: Int, graph: Graph,
                         index: [String: Int]) throws(ModelError) {
        guard let i = index[owner] else {
            throw .invalidValue(node: node, field: "tied_to", message: "'\(owner)' is not a node before this one; name the embedding whose weight is shared")
        }
        guard case .embedding(let e) = graph.nodes[i].op else {
            throw .invalidValue(node: node, field: "tied_to", message: "'\(owner)' is a \(graph.nodes[i].op.kind.rawValue); only an embedding's table can be tied")
        }
        guard e.count == linear.outFeatures, e.dim == inFeatures else {
            throw .invalidValue(node: node, field: "tied_to", message: "'\(owner)' has a \(e.count) x \(e.dim) table, but this layer needs \(linear.outFeatures) x \(inFeatures)")
        }
    }

    /// Totals over the model.
    public let params: ParameterCount
    /// Multiply-accumulates for one sample.
    public let macs: Int
    /// Output and input elements of every layer for one sample (the overflow check's measure).
    let elementsPerSample: Int
    /// Exact FLOPs for one sample.
    public var exactFlops: Int { layers.reduce(0) { $0 + $1.exactFlops } }
    /// The first input's per-sample shape.
    public let inputShape: TensorShape
}

/// Unique numbers for analyses: copies of an analysis share theirs, distinct analyses never do (an object
/// address could be reused after the analysis is freed, a counter cannot).
enum AnalysisIdentity {
    private static let counter = Atomic<Int>(0)
    static func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
}
