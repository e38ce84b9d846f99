/// A network: a DAG of named nodes in topological order, with the graph inputs among them.
///
/// Build one with `Graph(name:nodes:)` (which validates names, inputs and acyclicity, and orders the nodes) or
/// with `GraphBuilder`. The batch size is never part of a graph: every query supplies it.
public struct Graph: Sendable, Hashable {
    public var name: String
    /// Nodes in topological order; `.input` nodes come first.
    public private(set) var nodes: [Node]
    /// The node whose output is the network's output (the last one by default).
    public private(set) var output: String
    /// What the builder assumed that the nodes alone do not say (the attention kernel it wrote out, and why).
    public var notes: [String] = []
    /// Extra classification heads the training loss also reads: `loss = ce(output) + Σ weight · ce(node)` (Inception
    /// v3's `AuxLogits` with 0.4, torchvision's reference training script).
    public var auxiliaryLosses: [AuxiliaryLoss] = []

    /// Validates and orders nodes.
    /// - Throws: `ModelError` for a duplicate name, a dangling input, a cycle or a graph without input.
    public init(name: String, nodes: [Node], output: String? = nil) throws(ModelError) {
        guard !nodes.isEmpty else { throw .emptyModel("it has no nodes") }
        var index: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            guard !node.name.isEmpty else {
                throw .invalidValue(node: "#\(i)", field: "name", message: "a node name must not be empty")
            }
            if index.updateValue(i, forKey: node.name) != nil { throw .duplicateName(node: node.name) }
        }
        for node in nodes {
            for input in node.inputs where index[input] == nil {
                throw .danglingInput(node: node.name, input: input)
            }
        }
        guard nodes.contains(where: { if case .input = $0.op { true } else { false } }) else {
            throw .emptyModel("it declares no input; add an input with a per-sample 'shape'")
        }
        if let output, index[output] == nil { throw .danglingInput(node: "", input: output) }

        // Kahn's algorithm, keeping the given order among ready nodes, so a valid listing is kept as written.
        var indegree = nodes.map { Set($0.inputs).count }
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for input in Set(node.inputs) { consumers[index[input]!].append(i) }
        }
        var ordered: [Node] = []
        ordered.reserveCapacity(nodes.count)
        var ready = ReadyQueue()  // smallest index first: sequence numbers are negated indices
        for i in nodes.indices where indegree[i] == 0 { ready.push(seq: -i, fn: i) }
        while let i = ready.pop() {
            ordered.append(nodes[i])
            for c in consumers[i] {
                indegree[c] -= 1
                if indegree[c] == 0 { ready.push(seq: -c, fn: c) }
            }
        }
        if ordered.count < nodes.count {
            throw .cycle(nodes: Self.findCycle(nodes: nodes, index: index, stuck: Set(nodes.indices.filter { indegree[$0] > 0 })))
        }
        self.name = name
        self.nodes = ordered
        self.output = output ?? ordered.last!.name
    }

    /// An auxiliary classification loss: the node whose output is the head's logits, and its weight.
    public struct AuxiliaryLoss: Sendable, Hashable {
        public var node: String
        public var weight: Double
        public init(node: String, weight: Double) { self.node = node; self.weight = weight }
    }

    /// The graph input nodes, in order.
    public var inputs: [Node] { nodes.filter { if case .input = $0.op { true } else { false } } }

    /// Returns a copy whose first input has a new per-sample shape (the CLI's `--input 3x224x224`).
    public func withInputShape(_ shape: TensorShape, for inputName: String? = nil) -> Graph {
        var copy = self
        if let i = copy.nodes.firstIndex(where: {
            if case .input = $0.op { inputName == nil || $0.name == inputName } else { false }
        }), case .input(var input) = copy.nodes[i].op {
            input.shape = shape
            copy.nodes[i].op = .input(input)
        }
        return copy
    }

    /// Returns a copy with the nodes for which `isFrozen` is true marked not trainable.
    public func freezing(where isFrozen: (Node) -> Bool) -> Graph {
        var copy = self
        for i in copy.nodes.indices where isFrozen(copy.nodes[i]) { copy.nodes[i].trainable = false }
        return copy
    }

    private static func findCycle(nodes: [Node], index: [String: Int], stuck: Set<Int>) -> [String] {
        // Walk backwards along inputs that are themselves stuck until a node repeats.
        guard var current = stuck.min() else { return [] }
        var seen: [Int: Int] = [:]
        var path: [Int] = []
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            guard let next = nodes[current].inputs.compactMap({ index[$0] }).first(where: { stuck.contains($0) }) else { break }
            current = next
        }
        let start = seen[current] ?? 0
        let loop = path[start...].reversed().map { nodes[$0].name }
        return loop + [loop.first ?? ""]
    }
}
