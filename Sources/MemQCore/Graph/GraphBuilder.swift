/// Builds a graph node by node, with scoped names (`layer1.0.conv1`) like PyTorch's module paths.
///
/// Each method appends a node reading the given tensor names and returns the new node's name, so a network
/// reads as a chain: `x = b.conv(x, "conv1", out: 64, kernel: 7, stride: 2, padding: 3, bias: false)`.
public struct GraphBuilder: Sendable {
    public private(set) var nodes: [Node] = []
    public let name: String
    private var scope: [String] = []
    /// When true, only nodes inside `block(_:_:)` belong to a block (a transformer's layers); otherwise a node's
    /// first two scope components name its block.
    public var blocksOnlyWhereDeclared = false
    private var used: Set<String> = []

    public init(name: String) { self.name = name }

    /// The full name of `local` in the current scope.
    public func qualified(_ local: String) -> String { (scope + [local]).joined(separator: ".") }

    /// Runs `body` with `component` appended to the name scope.
    public mutating func scoped<T>(_ component: String, _ body: (inout GraphBuilder) throws -> T) rethrows -> T {
        scope.append(component)
        defer { scope.removeLast() }
        return try body(&self)
    }

    /// Appends a node; returns its name. A repeated name gets a numeric suffix.
    @discardableResult
    public mutating func add(_ local: String, _ op: Op, _ inputs: [String], trainable: Bool = true) -> String {
        var full = qualified(local)
        if used.contains(full) {
            var k = 1
            while used.contains("\(full)_\(k)") { k += 1 }
            full = "\(full)_\(k)"
        }
        used.insert(full)
        nodes.append(Node(name: full, op: op, inputs: inputs, trainable: trainable,
                          block: scope.isEmpty || blocksOnlyWhereDeclared ? nil : scope.prefix(2).joined(separator: ".")))
        return full
    }

    /// Declares a graph input of one sample's shape.
    public mutating func input(_ local: String = "input", shape: [Int], dtype: DType? = nil) -> String {
        add(local, .input(Input(shape: TensorShape(shape), dtype: dtype)), [])
    }

    /// Validates and returns the graph.
    public func build(output: String? = nil) throws(ModelError) -> Graph {
        try Graph(name: name, nodes: nodes, output: output)
    }

    // MARK: Common layers

    @discardableResult
    public mutating func conv(_ x: String, _ local: String, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1, bias: Bool = true) -> String {
        add(local, .conv2d(Conv2d(outChannels: out, kernel: Pair(kernel), stride: Pair(stride),
                                  padding: .explicit(Pair(padding)), dilation: Pair(dilation), groups: groups, bias: bias)), [x])
    }

    @discardableResult
    public mutating func conv(_ x: String, _ local: String, out: Int, kernel: Pair, stride: Pair = Pair(1),
                              padding: Pair = Pair(0), groups: Int = 1, bias: Bool = true) -> String {
        add(local, .conv2d(Conv2d(outChannels: out, kernel: kernel, stride: stride, padding: .explicit(padding),
                                  groups: groups, bias: bias)), [x])
    }

    @discardableResult
    public mutating func linear(_ x: String, _ local: String, out: Int, bias: Bool = true) -> String {
        add(local, .linear(Linear(outFeatures: out, bias: bias)), [x])
    }

    public mutating func batchNorm(_ x: String, _ local: String) -> String {
        add(local, .batchNorm(BatchNorm()), [x])
    }

    public mutating func layerNorm(_ x: String, _ local: String) -> String {
        add(local, .layerNorm(LayerNorm()), [x])
    }

    public mutating func act(_ x: String, _ local: String, _ function: Activation.Function, inplace: Bool = false) -> String {
        add(local, .activation(Activation(function, inplace: inplace)), [x])
    }

    public mutating func relu(_ x: String, _ local: String = "relu", inplace: Bool = true) -> String {
        act(x, local, .relu, inplace: inplace)
    }

    @discardableResult
    public mutating func maxPool(_ x: String, _ local: String, kernel: Int, stride: Int? = nil, padding: Int = 0,
                                 ceilMode: Bool = false) -> String {
        add(local, .maxPool2d(Pool2d(kernel: Pair(kernel), stride: Pair(stride ?? kernel), padding: Pair(padding),
                                     ceilMode: ceilMode)), [x])
    }

    @discardableResult
    public mutating func avgPool(_ x: String, _ local: String, kernel: Int, stride: Int? = nil, padding: Int = 0,
                                 ceilMode: Bool = false, countIncludePad: Bool = true) -> String {
        add(local, .avgPool2d(Pool2d(kernel: Pair(kernel), stride: Pair(stride ?? kernel), padding: Pair(padding),
                                     ceilMode: ceilMode, countIncludePad: countIncludePad)), [x])
    }

    public mutating func adaptiveAvgPool(_ x: String, _ local: String = "avgpool", size: Int = 1) -> String {
        add(local, .adaptiveAvgPool2d(outputSize: [size, size]), [x])
    }

    public mutating func flatten(_ x: String, _ local: String = "flatten", startDim: Int = 1) -> String {
        add(local, .flatten(startDim: startDim, endDim: -1), [x])
    }

    public mutating func dropout(_ x: String, _ local: String = "dropout", p: Double, inplace: Bool = false) -> String {
        add(local, .dropout(p: p, inplace: inplace), [x])
    }

    public mutating func sum(_ xs: [String], _ local: String = "add", inplace: Bool = false) -> String {
        add(local, .add(inplace: inplace), xs)
    }

    public mutating func concat(_ xs: [String], _ local: String = "cat", dim: Int = 1) -> String {
        add(local, .concat(dim: dim), xs)
    }
}

// MARK: Tensor manipulation and transformer layers

extension GraphBuilder {
    public mutating func reshape(_ x: String, _ local: String = "reshape", shape: [Int]) -> String {
        add(local, .reshape(shape: shape), [x])
    }

    public mutating func permute(_ x: String, _ local: String = "permute", dims: [Int]) -> String {
        add(local, .permute(dims: dims), [x])
    }

    public mutating func transpose(_ x: String, _ local: String = "transpose", _ dim0: Int, _ dim1: Int) -> String {
        add(local, .transpose(dim0, dim1), [x])
    }

    /// Elementwise product with broadcasting (`a * b`).
    public mutating func mul(_ xs: [String], _ local: String = "mul") -> String {
        add(local, .mul, xs)
    }

    public mutating func matmul(_ a: String, _ b: String, _ local: String = "matmul") -> String {
        add(local, .matmul, [a, b])
    }

    public mutating func mean(_ x: String, _ local: String = "mean", dims: [Int], keepDim: Bool = false) -> String {
        add(local, .mean(dims: dims, keepDim: keepDim), [x])
    }

    public mutating func softmax(_ x: String, _ local: String = "softmax", dim: Int = -1) -> String {
        add(local, .softmax(dim: dim), [x])
    }

    /// torchvision's `StochasticDepth(p, "row")`; at `p == 0` it returns its input (no node), as the module does.
    public mutating func stochasticDepth(_ x: String, _ local: String = "stochastic_depth", p: Double) -> String {
        p == 0 ? x : add(local, .stochasticDepth(p: p), [x])
    }

    /// A learned per-channel scale along `dim` (ConvNeXt's `layer_scale`).
    public mutating func layerScale(_ x: String, _ local: String = "layer_scale", dim: Int = 1, plusOne: Bool = false) -> String {
        add(local, .layerScale(dim: dim, plusOne: plusOne), [x])
    }

    /// Piece `index` of `torch.chunk(x, chunks, dim)`.
    public mutating func chunk(_ x: String, _ local: String = "chunk", chunks: Int, index: Int, dim: Int = 1) -> String {
        add(local, .split(Split(chunks: chunks, index: index, dim: dim)), [x])
    }

    public mutating func select(_ x: String, _ local: String = "select", dim: Int, index: Int) -> String {
        add(local, .select(dim: dim, index: index), [x])
    }

    public mutating func upsample(_ x: String, _ local: String = "upsample", scale: Int) -> String {
        add(local, .upsample(scale: scale), [x])
    }

    public mutating func embedding(_ ids: String, _ local: String, count: Int, dim: Int, inputEmbeddings: Bool = false) -> String {
        add(local, .embedding(Embedding(count: count, dim: dim, inputEmbeddings: inputEmbeddings)), [ids])
    }

    public mutating func rmsNorm(_ x: String, _ local: String) -> String {
        add(local, .rmsNorm(RMSNorm()), [x])
    }

    public mutating func attention(_ x: String, _ local: String, _ attention: Attention) -> String {
        add(local, .attention(attention), [x])
    }
}

// MARK: Blocks

extension GraphBuilder {
    /// Runs `body` with `component` appended to the name scope, and marks every node it adds as one block named by
    /// that full scope (`transformer.h.3`, `features.2.1`), where the default block is the scope's first two
    /// components. Activation checkpointing cuts at blocks, so a repeated unit (a transformer layer, an MBConv, an
    /// Inception module) is one block whatever its depth in the module tree.
    public mutating func block<T>(_ component: String, _ body: (inout GraphBuilder) throws -> T) rethrows -> T {
        let start = nodes.count
        let result = try scoped(component, body)
        let name = qualified(component)
        for i in start..<nodes.count { nodes[i].block = name }
        return result
    }
}
