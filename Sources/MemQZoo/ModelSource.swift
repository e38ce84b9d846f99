import Foundation
import MemQCore

/// A model as the CLI and the daemon receive it — a zoo name, a path to a JSON spec, or a spec inline — with an
/// optional per-sample input shape, resolved into a `Graph` (and its `ModelAnalysis`).
///
/// How a text reference is read, in order:
/// 1. text starting with `{` is an inline JSON spec;
/// 2. text containing `/` or ending in `.json` is a file path (write `./resnet50` for a file named like a zoo model);
/// 3. a zoo name (`resnet50`; case-insensitive, `-` and `_` alike);
/// 4. an existing file;
/// 5. otherwise an unknown model, with the closest zoo names suggested.
///
/// The input override replaces one sample's shape (without the batch): a zoo model is rebuilt for it (heads that
/// depend on the input follow), a spec's first input is changed.
public struct ModelSource: Sendable, Hashable {
    /// What names the model.
    public enum Reference: Sendable, Hashable {
        /// A zoo name, a file path, or inline JSON text, told apart as the type's documentation says.
        case text(String)
        /// A parsed spec (the daemon's inline model).
        case spec(JSONValue)
        /// A parsed Hugging Face `config.json` (the daemon's `hf_config`).
        case hfConfig(JSONValue)
    }

    /// Why a model reference could not be resolved. Every message names the reference and what would be valid.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reference is empty.
        case noModel
        /// Neither a zoo name nor an existing file.
        case unknownModel(name: String, suggestions: [String])
        /// A path that does not exist.
        case fileNotFound(path: String)
        /// A path that names a directory.
        case isDirectory(path: String)
        /// The file exists but could not be read.
        case unreadableFile(path: String, reason: String)
        /// A file path was given where only zoo names and inline specs are accepted (the daemon).
        case filesNotAllowed(path: String)
        /// `--input` is not a shape.
        case invalidInputShape(String)
        /// The model was found but is not valid; `source` says where it came from.
        case invalidModel(source: String, error: ModelError)

        /// An argument as quoted in a message: at most 120 characters, with the full length said.
        static func cut(_ text: String) -> String {
            text.count <= 120 ? text : String(text.prefix(100)) + "… (\(text.count) characters)"
        }

        public var description: String {
            switch self {
            case .noModel:
                "no model given; give a zoo name (memq models lists the zoo), a JSON spec file, or inline JSON"
            case .unknownModel(let name, let suggestions):
                "unknown model '\(Self.cut(name))'; " + (suggestions.isEmpty ? "" : "did you mean \(suggestions.joined(separator: ", "))? ")
                    + "(memq models lists the zoo)"
            case .fileNotFound(let path):
                "model file '\(path)' not found; give a zoo name (memq models lists the zoo) or the path of a JSON spec (docs/model-spec.md)"
            case .isDirectory(let path):
                "model path '\(path)' is a directory; give the path of a JSON spec file inside it (e.g. \(path.hasSuffix("/") ? path : path + "/")model.json)"
            case .unreadableFile(let path, let reason):
                "model file '\(path)' could not be read: \(reason)"
            case .filesNotAllowed(let path):
                "'\(path)' is not a zoo model, and files are not read here; send the spec inline as JSON"
            case .invalidInputShape(let text):
                "invalid input shape '\(text)'; write one sample's shape without the batch as positive integers, e.g. 3x224x224"
            case .invalidModel(let source, let error):
                "\(source): \(error)"
            }
        }
    }

    /// The model.
    public var reference: Reference
    /// One sample's input shape replacing the model's own; nil keeps it.
    public var input: TensorShape?
    /// How a Hugging Face config is built (attention implementation, the device and dtype the SDPA dispatcher
    /// sees); ignored for other models.
    public var hf = HFBuildOptions()
    /// Sequence length of a Hugging Face config when no input is given (transformers has no default; MemQ uses
    /// 1024, capped by the model's positions).
    public static let defaultSequence = 1024

    /// A reference as typed by a user: a zoo name, a spec path or inline JSON text.
    /// The largest model file read (a spec of 100,000 nodes is a few MiB).
    static let maxFileBytes = 64 << 20

    public init(_ text: String, input: TensorShape? = nil) {
        self.reference = .text(text)
        self.input = input
    }

    /// A spec already parsed.
    public init(spec: JSONValue, input: TensorShape? = nil) {
        self.reference = .spec(spec)
        self.input = input
    }

    /// A Hugging Face config already parsed.
    public init(hfConfig: JSONValue, input: TensorShape? = nil) {
        self.reference = .hfConfig(hfConfig)
        self.input = input
    }

    /// Parses an input-shape override: `3x224x224` (also `3,224,224`, `[3, 224, 224]`), one sample without the batch.
    /// - Throws: `Failure.invalidInputShape` for anything but positive integers.
    public static func parseInput(_ text: String) throws(Failure) -> TensorShape {
        guard let shape = TensorShape(parsing: text) else { throw .invalidInputShape(text) }
        return shape
    }

    /// Builds the graph.
    /// - Parameter allowFiles: false refuses file paths (a daemon must not read its own disk for a client).
    /// - Throws: `Failure` naming the reference; a spec's `ModelError` wrapped with where the spec came from.
    public func graph(allowFiles: Bool = true) throws(Failure) -> Graph {
        try located(allowFiles: allowFiles).graph
    }

    /// Builds the graph and analyses it (shapes, parameters, MACs), so shape errors also name the source.
    /// - Throws: `Failure`, as `graph(allowFiles:)`, and `Failure.invalidModel` for shape errors.
    public func analysis(allowFiles: Bool = true) throws(Failure) -> ModelAnalysis {
        let (graph, source) = try located(allowFiles: allowFiles)
        do throws(ModelError) {
            return try ModelAnalysis(graph)
        } catch {
            throw .invalidModel(source: source, error: error)
        }
    }

    /// The graph and a short name of where it came from, for messages.
    private func located(allowFiles: Bool) throws(Failure) -> (graph: Graph, source: String) {
        switch reference {
        case .spec(let json):
            return (try specGraph(json, source: "inline spec"), "inline spec")
        case .hfConfig(let json):
            return (try hfGraph(json, source: "hf_config", name: nil), "hf_config")
        case .text(let raw):
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw .noModel }
            if text.hasPrefix("{") {
                let json: JSONValue
                do throws(ModelError) { json = try JSONValue.parse(Data(text.utf8)) } catch { throw .invalidModel(source: "inline spec", error: error) }
                return (try specGraph(json, source: "inline spec"), "inline spec")
            }
            let looksLikePath = text.contains("/") || text.lowercased().hasSuffix(".json")
            if !looksLikePath, let entry = Zoo.entry(named: text) {
                let source = input.map { "\(entry.name) with input \($0)" } ?? entry.name
                do throws(ModelError) {
                    return (try entry.build(input?.dims ?? entry.defaultInput, options: hf), source)
                } catch {
                    throw .invalidModel(source: source, error: error)
                }
            }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory)
            guard looksLikePath || exists else {
                throw .unknownModel(name: text, suggestions: Zoo.suggestions(for: text))
            }
            guard allowFiles else { throw .filesNotAllowed(path: text) }
            guard exists else { throw .fileNotFound(path: text) }
            guard !isDirectory.boolValue else { throw .isDirectory(path: text) }
            // A device or pipe (`/dev/zero`) would be read forever; a huge file is not a model spec.
            let attributes = try? FileManager.default.attributesOfItem(atPath: text)
            if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular, type != .typeSymbolicLink {
                let kind = switch type {
                case .typeCharacterSpecial: "a character device"
                case .typeBlockSpecial: "a block device"
                case .typeSocket: "a socket"
                default: "a pipe or special file"
                }
                throw .unreadableFile(path: text, reason: "it is \(kind), not a regular file; give a JSON spec or config.json file")
            }
            if let size = attributes?[.size] as? Int, size > Self.maxFileBytes {
                throw .unreadableFile(path: text, reason: "it is \(size) bytes; a model spec or config.json is at most \(Self.maxFileBytes >> 20) MiB")
            }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: text))
            } catch {
                throw .unreadableFile(path: text, reason: (error as NSError).localizedDescription)
            }
            let json: JSONValue
            do throws(ModelError) { json = try JSONValue.parse(data) } catch { throw .invalidModel(source: text, error: error) }
            if case .object(let o) = json, o["model_type"] != nil || (o["architectures"] != nil && o["nodes"] == nil) {
                let stem = URL(fileURLWithPath: text).deletingPathExtension().lastPathComponent
                return (try hfGraph(json, source: text, name: stem == "config" ? nil : stem), text)
            }
            return (try specGraph(json, source: text), text)
        }
    }

    /// Reads a Hugging Face config and builds it for the input's sequence length.
    private func hfGraph(_ json: JSONValue, source: String, name: String?) throws(Failure) -> Graph {
        do throws(ModelError) {
            let config = try HFConfig(json: json)
            let seq: Int
            if let dims = input?.dims {
                guard dims.count == 1 else {
                    throw ModelError.invalidValue(node: "input_ids", field: "shape", message: "a Hugging Face model reads one sequence of token ids per sample: give its length (--seq-len 1024), got \(dims)")
                }
                seq = dims[0]
            } else {
                seq = min(Self.defaultSequence, config.family.isEncoder || config.family == .gpt2 ? config.maxPositions - (config.family == .roberta ? 2 : 0) : Self.defaultSequence)
            }
            return try HFModels.build(config, seq: seq, options: hf, name: name)
        } catch {
            throw .invalidModel(source: source, error: error)
        }
    }

    /// Reads a spec and applies the input override.
    private func specGraph(_ json: JSONValue, source: String) throws(Failure) -> Graph {
        let graph: Graph
        do throws(ModelError) { graph = try ModelSpec.graph(from: json) } catch { throw .invalidModel(source: source, error: error) }
        guard let input else { return graph }
        return graph.withInputShape(input)
    }
}
