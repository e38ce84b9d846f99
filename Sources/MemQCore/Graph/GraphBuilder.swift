/// Builds a graph node by node, with scoped names (`layer1.0.conv1`) like PyTorch's module paths.
///
/// Each method appends a node reading the given tensor names and returns the new node's name, so a network
/// reads as a chain: `x = b.conv(x, "conv1", out: 64, kernel: 7, stride: 2, padding: 3, bias: false)`.
public struct GraphBuilder: Sendable {
    public private(set) var nodes: [Node] = []
    public let name: String
    private var scope: [String] = []
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
                          block: scope.isEmpty ? nil : scope.prefix(2).joined(separator: ".")))
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

    public mutating func conv(_ x: String, _ local: String, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1, bias: Bool = true) -> String {
        add(local, .conv2d(Conv2d(outChannels: out, kernel: Pair(kernel), stride: Pair(stride),
                                  padding: .explicit(Pair(padding)), dilation: Pair(dilation), groups: groups, bias: bias)), [x])
    }

    public mutating func conv(_ x: String, _ local: String, out: Int, kernel: Pair, stride: Pair = Pair(1),
                              padding: Pair = Pair(0), groups: Int = 1, bias: Bool = true) -> String {
        add(local, .conv2d(Conv2d(outChannels: out, kernel: kernel, stride: stride, padding: .explicit(padding),
                                  groups: groups, bias: bias)), [x])
    }

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

    public mutating func maxPool(_ x: String, _ local: String, kernel: Int, stride: Int? = nil, padding: Int = 0,
                                 ceilMode: Bool = false) -> String {
        add(local, .maxPool2d(Pool2d(kernel: Pair(kernel), stride: Pair(stride ?? kernel), padding: Pair(padding),
                                     ceilMode: ceilMode)), [x])
    }

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
