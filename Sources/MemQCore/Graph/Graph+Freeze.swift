extension Graph {
    /// Whether the node name `name` lies under the module path `prefix`: it is `prefix`, or `prefix` and a dot
    /// begin it, as PyTorch module paths nest (`layer1` covers `layer1` and `layer1.0.conv1`, not `layer10`).
    public static func name(_ name: String, isUnder prefix: String) -> Bool {
        name == prefix || name.hasPrefix(prefix + ".")
    }

    /// Returns a copy with every node under one of `prefixes` (`name(_:isUnder:)`) frozen: `--freeze PREFIX`.
    /// - Throws: `EstimateError.freezeMatchesNothing` for a prefix that covers no node, with the top-level names.
    public func freezing(prefixes: [String]) throws(EstimateError) -> Graph {
        for prefix in prefixes where !nodes.contains(where: { Self.name($0.name, isUnder: prefix) }) {
            throw .freezeMatchesNothing(prefix: prefix, topLevel: topLevelNames)
        }
        return freezing { node in prefixes.contains { Self.name(node.name, isUnder: $0) } }
    }

    /// The distinct first components of the node names (`layer1` of `layer1.0.conv1`), graph inputs left out,
    /// in graph order.
    var topLevelNames: [String] {
        var seen = Set<String>(), names: [String] = []
        for node in nodes {
            if case .input = node.op { continue }
            let first = String(node.name.prefix { $0 != "." })
            if seen.insert(first).inserted { names.append(first) }
        }
        return names
    }
}
