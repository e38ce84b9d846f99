/// Why a model could not be read or sized. Every case names the node and field at fault.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON at all.
    case invalidJSON(String)
    /// A required field is absent.
    case missingField(node: String, field: String)
    /// A field has the wrong JSON type.
    case wrongType(node: String, field: String, expected: String)
    /// A field is present but its value is out of range or unknown.
    case invalidValue(node: String, field: String, message: String)
    /// `op` names no known op.
    case unknownOp(node: String, op: String)
    /// Two nodes share one name.
    case duplicateName(node: String)
    /// An input names no node or graph input.
    case danglingInput(node: String, input: String)
    /// The nodes form a cycle.
    case cycle(nodes: [String])
    /// The op takes a different number of inputs.
    case wrongInputCount(node: String, op: String, expected: String, got: Int)
    /// A window does not fit in the padded input.
    case kernelLargerThanInput(node: String, field: String, kernel: Int, paddedInput: Int)
    /// The channels (or features) coming in differ from what the node declares or needs.
    case channelMismatch(node: String, field: String, expected: Int, got: Int)
    /// `groups` does not divide a channel count.
    case groupsDoNotDivide(node: String, groups: Int, channels: Int, field: String)
    /// Input shapes do not fit the op.
    case shapeMismatch(node: String, message: String)
    /// Element counts or figures exceed 64 bits.
    case sizeOverflow(node: String, field: String)
    /// The model has no nodes or no input.
    case emptyModel(String)

    public var description: String {
        switch self {
        case .invalidJSON(let m):
            "model spec is not valid JSON: \(m)"
        case .missingField(let node, let field):
            "\(Self.at(node)): missing field '\(field)'"
        case .wrongType(let node, let field, let expected):
            "\(Self.at(node)), field '\(field)': expected \(expected)"
        case .invalidValue(let node, let field, let message):
            "\(Self.at(node)), field '\(field)': \(message)"
        case .unknownOp(let node, let op):
            "\(Self.at(node)), field 'op': unknown op '\(op)'; valid ops: \(OpKind.validNames)"
        case .duplicateName(let node):
            "\(Self.at(node)), field 'name': the name is used by another node; names must be unique"
        case .danglingInput(let node, let input):
            "\(Self.at(node)), field 'inputs': '\(input)' is neither a node nor a model input"
        case .cycle(let nodes):
            "the graph has a cycle through nodes \(nodes.map { "'\($0)'" }.joined(separator: " -> ")); a model must be acyclic"
        case .wrongInputCount(let node, let op, let expected, let got):
            "\(Self.at(node)), field 'inputs': \(op) takes \(expected) input(s), got \(got)"
        case .kernelLargerThanInput(let node, let field, let kernel, let padded):
            "\(Self.at(node)), field '\(field)': window of \(kernel) is larger than the padded input of \(padded); use a smaller kernel or more padding"
        case .channelMismatch(let node, let field, let expected, let got):
            "\(Self.at(node)), field '\(field)': declared \(expected) but the input has \(got)"
        case .groupsDoNotDivide(let node, let groups, let channels, let field):
            "\(Self.at(node)), field 'groups': \(groups) does not divide \(field) = \(channels)"
        case .shapeMismatch(let node, let message):
            "\(Self.at(node)): \(message)"
        case .sizeOverflow(let node, let field):
            "\(Self.at(node)), field '\(field)': sizes overflow 64-bit integers; use realistic dimensions"
        case .emptyModel(let message):
            "model: \(message)"
        }
    }

    private static func at(_ node: String) -> String { node.isEmpty ? "model" : "node '\(node)'" }
}
