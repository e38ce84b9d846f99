import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// What a user sees for a Hugging Face `config.json` MemQ cannot build: every message names the key (or the input)
/// at fault and what would be valid.
@Suite struct HFConfigErrorTests {
    /// A small LLaMA config; `extra` keys replace or add to it.
    static func llama(_ extra: [String: JSONValue] = [:]) -> JSONValue {
        var o: [String: JSONValue] = [
            "model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 100,
        ]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    /// The error `HFConfig(json:)` throws, or nil.
    static func error(_ json: JSONValue) -> ModelError? {
        do throws(ModelError) {
            _ = try HFConfig(json: json)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownModelTypeListsTheSupportedOnes() throws {
        let e = try #require(Self.error(Self.llama(["model_type": "t5"])))
        guard case .invalidValue(let node, let field, _) = e else { Issue.record("\(e)"); return }
        #expect(node == "config.json")
        #expect(field == "model_type")
        #expect(e.description.contains("field 'model_type'"))
        #expect(e.description.contains("unsupported model_type 't5'"))
        for name in ["llama", "mistral", "qwen2", "gemma", "phi3", "gpt_neox", "gpt2", "bert", "roberta"] {
            #expect(e.description.contains(name), "\(name) not listed in: \(e)")
        }
    }

    @Test func missingModelTypeIsNamed() throws {
        guard case .object(var o) = Self.llama() else { Issue.record("not an object"); return }
        o["model_type"] = nil
        // Without model_type and without nodes, ModelSource would take the file for an HF config: the reader names
        // the missing key rather than guessing a family from the architecture.
        let e = try #require(Self.error(.object(o)))
        #expect(e.description.contains("field 'model_type'"))
        #expect(e.description.contains("missing"))
        #expect(e.description.contains("supported: llama, mistral"))
    }

    @Test func topLevelMustBeAnObject() throws {
        let e = try #require(Self.error(["model_type", "llama"]))
        #expect(e.description.contains("config.json"))
        #expect(e.description.contains("a JSON object, got an array"))
    }

    /// A key of the wrong JSON type names the key, the type expected and the type found.
    @Test(arguments: [
        ("hidden_size", JSONValue.string("256"), "expected an integer, got a string"),
        ("tie_word_embeddings", .int(1), "expected true or false, got an integer"),
        ("architectures", .string("X"), "expected a list of class names, got a string"),
        ("architectures", .array([.int(1)]), "expected a list of class names, got an array"),
        ("rms_norm_eps", .string("1e-6"), "expected a number, got a string"),
        ("num_hidden_layers", .double(2.5), "expected an integer, got a number"),
        ("hidden_act", .bool(true), "expected a string, got a boolean"),
    ])
    func wrongTypeNamesTheKey(key: String, value: JSONValue, message: String) throws {
        let e = try #require(Self.error(Self.llama([key: value])))
        guard case .wrongType(let node, let field, _) = e else { Issue.record("\(e)"); return }
        #expect(node == "config.json")
        #expect(field == key)
        #expect(e.description == "node 'config.json', field '\(key)': \(message)")
    }

    /// `null` is transformers' "unset": the default applies (here the family's 2048 positions and its own head size).
    @Test func nullTakesTheDefault() throws {
        let c = try HFConfig(json: Self.llama(["max_position_embeddings": nil, "head_dim": nil, "tie_word_embeddings": nil]))
        #expect(c.maxPositions == 2048)
        #expect(c.headDim == 16)
        #expect(c.tiedEmbeddings == false)
    }

    @Test func keyValueHeadsMustDivideHeads() throws {
        let e = try #require(Self.error(Self.llama(["num_key_value_heads": 3])))
        guard case .invalidValue(_, let field, _) = e else { Issue.record("\(e)"); return }
        #expect(field == "num_key_value_heads")
        #expect(e.description.contains("must divide num_attention_heads = 4, got 3"))
    }

    @Test(arguments: ["hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size", "num_key_value_heads"])
    func sizesMustBePositive(key: String) throws {
        let e = try #require(Self.error(Self.llama([key: 0])))
        #expect(e.description.contains("field '\(key)'"))
        #expect(e.description.contains("must be a positive integer, got 0"))
    }

    @Test func unsupportedActivationListsTheSupportedOnes() throws {
        let e = try #require(Self.error(Self.llama(["hidden_act": "mish"])))
        #expect(e.description.contains("field 'hidden_act'"))
        #expect(e.description.contains("unsupported activation 'mish'"))
        #expect(e.description.contains("silu, gelu, gelu_new, gelu_pytorch_tanh, relu"))
        // Gemma reads `hidden_activation` (and names it).
        let g = try #require(Self.error(.object(["model_type": "gemma", "hidden_activation": "mish"])))
        #expect(g.description.contains("field 'hidden_activation'"))
    }

    @Test(arguments: ["LlamaForTokenClassification", "LlamaForQuestionAnswering", "BertForPreTraining"])
    func unsupportedArchitectureIsNamed(architecture: String) throws {
        let e = try #require(Self.error(Self.llama(["architectures": [.string(architecture)]])))
        guard case .invalidValue(_, let field, _) = e else { Issue.record("\(e)"); return }
        #expect(field == "architectures")
        #expect(e.description.contains("unsupported architecture '\(architecture)'"))
        #expect(e.description.contains("*ForCausalLM"))
    }

    /// GPT-2 learns `n_positions` position embeddings: a longer sequence cannot be embedded (RoBERTa: two fewer, its
    /// positions start after the padding index).
    @Test func sequenceLongerThanLearnedPositions() throws {
        let gpt2 = try HFConfig(json: ["model_type": "gpt2", "n_embd": 64, "n_layer": 1, "n_head": 2, "vocab_size": 100])
        #expect(gpt2.maxPositions == 1024)
        _ = try HFModels.build(gpt2, seq: 1024)
        do throws(ModelError) {
            _ = try HFModels.build(gpt2, seq: 1025)
            Issue.record("GPT-2 built for 1025 tokens")
        } catch {
            guard case .invalidValue(let node, let field, _) = error else { Issue.record("\(error)"); return }
            #expect(node == "input_ids")
            #expect(field == "shape")
            #expect(error.description.contains("GPT2LMHeadModel has 1024 learned positions"))
            #expect(error.description.contains("at most 1024, got 1025"))
        }
        let roberta = try HFConfig(json: ["model_type": "roberta", "hidden_size": 64, "num_hidden_layers": 1,
                                          "num_attention_heads": 2, "intermediate_size": 128, "vocab_size": 100])
        _ = try HFModels.build(roberta, seq: 510)
        #expect(throws: ModelError.self) { try HFModels.build(roberta, seq: 511) }
        // Rotary models have no learned positions: a sequence past max_position_embeddings still builds.
        _ = try HFModels.build(try HFConfig(json: Self.llama()), seq: 4096)
        #expect(throws: ModelError.self) { try HFModels.build(try HFConfig(json: Self.llama()), seq: 0) }
    }

    // MARK: Through ModelSource

    /// Writes `text` to a fresh temporary `config.json`; returns its path.
    static func temporaryConfig(_ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("memq-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("config.json")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The `ModelSource.Failure` of resolving `path`, or nil.
    static func failure(_ source: ModelSource) -> ModelSource.Failure? {
        do throws(ModelSource.Failure) {
            _ = try source.analysis()
            return nil
        } catch {
            return error
        }
    }

    @Test func fileErrorsNameThePathAndTheKey() throws {
        let cases: [(json: String, key: String)] = [
            (#"{"model_type": "t5", "d_model": 64}"#, "model_type"),
            (#"{"model_type": "llama", "hidden_size": "256"}"#, "hidden_size"),
            (#"{"model_type": "gpt2", "tie_word_embeddings": 1}"#, "tie_word_embeddings"),
            (#"{"model_type": "llama", "architectures": "X"}"#, "architectures"),
            (#"{"model_type": "llama", "architectures": ["LlamaForTokenClassification"]}"#, "architectures"),
            (#"{"model_type": "mistral", "num_attention_heads": 8, "num_key_value_heads": 3}"#, "num_key_value_heads"),
        ]
        for c in cases {
            let url = try Self.temporaryConfig(c.json)
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            let f = try #require(Self.failure(ModelSource(url.path)), "\(c.json) resolved")
            guard case .invalidModel(let source, _) = f else { Issue.record("\(f)"); continue }
            #expect(source == url.path)
            #expect(f.description.hasPrefix("\(url.path): "))
            #expect(f.description.contains("field '\(c.key)'"), "\(f)")
        }
    }

    @Test func fileSequenceErrorsNameThePath() throws {
        let url = try Self.temporaryConfig(#"{"model_type": "gpt2", "n_embd": 64, "n_layer": 1, "n_head": 2, "vocab_size": 100, "n_positions": 256}"#)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        // No input: the sequence defaults to min(1024, n_positions) and the file builds, named by its architecture
        // (a file named config.json gives no better name).
        let analysis = try ModelSource(url.path).analysis()
        #expect(analysis.graph.name == "GPT2LMHeadModel")
        #expect(analysis.inputShape.dims == [256])
        let long = try #require(Self.failure(ModelSource(url.path, input: TensorShape([257]))))
        #expect(long.description.hasPrefix("\(url.path): "))
        #expect(long.description.contains("node 'input_ids', field 'shape'"))
        #expect(long.description.contains("at most 256, got 257"))
        let image = try #require(Self.failure(ModelSource(url.path, input: TensorShape([3, 224, 224]))))
        #expect(image.description.hasPrefix("\(url.path): "))
        #expect(image.description.contains("one sequence of token ids per sample"))
    }
}
