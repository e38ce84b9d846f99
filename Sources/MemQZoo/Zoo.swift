import MemQCore

/// One built-in architecture: its name, family, default input and builder.
public struct ZooEntry: Sendable {
    public let name: String
    public let family: String
    /// One sample's default input shape (torchvision's evaluation crop for its classifiers).
    public let defaultInput: [Int]
    /// Element type of the input: nil for images and features, `.int64` for token ids.
    public let inputDType: DType?
    /// Builds the graph for an input of one sample's shape.
    public let build: @Sendable (_ input: [Int]) throws(ModelError) -> Graph
    /// For the transformers: the Hugging Face config the entry is built from (its graph then depends on the
    /// attention implementation, device and dtype: `build(_:options:)`).
    public let hfConfig: JSONValue?

    public init(name: String, family: String, defaultInput: [Int], inputDType: DType? = nil, hfConfig: JSONValue? = nil,
                build: @escaping @Sendable (_ input: [Int]) throws(ModelError) -> Graph) {
        self.name = name; self.family = family; self.defaultInput = defaultInput; self.inputDType = inputDType
        self.hfConfig = hfConfig
        self.build = build
    }

    /// The graph for `input` with the attention options of a query (the same as `build` for non-transformers).
    public func build(_ input: [Int], options: HFBuildOptions) throws(ModelError) -> Graph {
        guard let hfConfig else { return try build(input) }
        return try TokenModels.build(name, hfConfig, input: input, options: options)
    }

    /// The graph at the default input.
    public func graph() throws(ModelError) -> Graph { try build(defaultInput) }
}

/// The built-in architectures.
public enum Zoo {
    /// Every entry, sorted by name.
    public static let entries: [ZooEntry] = {
        var all: [ZooEntry] = []
        all += ClassicNets.entries
        all += VGG.entries
        all += ResNet.entries
        all += extraFamilies
        return all.sorted { $0.name < $1.name }
    }()

    private static let index: [String: ZooEntry] = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// The entry named `name` (case-insensitive; `-`, `.` and `_` alike, so `llama-3.2-1b` finds `llama_3_2_1b`).
    public static func entry(named name: String) -> ZooEntry? {
        index[name.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")]
    }

    /// Zoo names closest to `name`, for "did you mean" messages.
    public static func suggestions(for name: String, limit: Int = 3) -> [String] {
        let key = name.lowercased()
        let scored: [(name: String, distance: Int)] = entries.map { ($0.name, editDistance($0.name, key)) }
        let sorted = scored.sorted { a, b in a.distance != b.distance ? a.distance < b.distance : a.name < b.name }
        return sorted.prefix(limit).map { $0.name }
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
