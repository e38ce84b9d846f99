extension Graph {
    /// Whether the node name `name` lies under the module path `prefix`: it is `prefix`, or `prefix` and a dot
    /// begin it, as PyTorch module paths nest (`layer1` covers `layer1` and `layer1.0.conv1`, not `layer10`).
    public static func name(_ name: String, isUnder prefix: String) -> Bool {
        name == prefix || name.hasPrefix(prefix + ".")
    }

    /// Returns a copy with every node under one of `prefixes` (`name(_:isUnder:)`) frozen: `--freeze PREFIX`.
    public func freezing(prefixes: [String]) -> Graph {
        freezing { node in prefixes.contains { Self.name(node.name, isUnder: $0) } }
    }
}
