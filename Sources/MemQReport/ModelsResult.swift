import MemQCore
import MemQZoo

/// `memq models`: the zoo, with each entry's default input, parameters and MACs for one sample.
public struct ModelsResult: ReportRenderable, Hashable {
    /// One zoo entry.
    public struct Entry: Codable, Sendable, Hashable {
        /// The zoo name (`resnet50`).
        public var name: String
        /// The family (`resnet`).
        public var family: String
        /// The default input: one sample's shape, without the batch.
        public var inputShape: [Int]
        /// All parameters (trainable and frozen); nil when the entry failed to build.
        public var params: Int?
        /// Multiply-accumulates for one sample at the default input; nil when the entry failed to build.
        public var macs: Int?
        /// Why the entry could not be built or analysed (a zoo bug); nil when it was.
        public var error: String?

        public init(name: String, family: String, inputShape: [Int], params: Int?, macs: Int?, error: String? = nil) {
            self.name = name; self.family = family; self.inputShape = inputShape; self.params = params; self.macs = macs
            self.error = error
        }

        /// Builds and analyses a zoo entry at its default input.
        public init(_ entry: ZooEntry) {
            do throws(ModelError) {
                let analysis = try ModelAnalysis(try entry.graph())
                self.init(name: entry.name, family: entry.family, inputShape: entry.defaultInput,
                          params: analysis.params.total, macs: analysis.macs)
            } catch {
                self.init(name: entry.name, family: entry.family, inputShape: entry.defaultInput, params: nil, macs: nil,
                          error: error.description)
            }
        }

        enum CodingKeys: String, CodingKey {
            case name, family, inputShape = "input_shape", params, macs, error
        }
    }

    /// Entries sorted by name.
    public var models: [Entry]

    public init(models: [Entry]) { self.models = models }

    /// The zoo's families, sorted.
    public static var families: [String] { Array(Set(Zoo.entries.map(\.family))).sorted() }

    /// Every zoo entry, or those of one family (case-insensitive).
    /// - Throws: `ReportError.unknownFamily` listing the valid families.
    public init(family: String? = nil) throws(ReportError) {
        var entries = Zoo.entries
        if let family {
            entries = entries.filter { $0.family.lowercased() == family.lowercased() }
            guard !entries.isEmpty else { throw .unknownFamily(family, valid: Self.families) }
        }
        self.init(models: entries.map(Entry.init))
    }
}
