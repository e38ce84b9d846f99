import MemQCore

/// A Hugging Face `config.json`, read with the defaults of transformers' own config classes
/// (`LlamaConfig`, `MistralConfig`, `Qwen2Config`, `Qwen3Config`, `GemmaConfig`, `Phi3Config`, `GPTNeoXConfig`, `GPT2Config`,
/// `BertConfig`, `RobertaConfig` in transformers 5.24) for every key the file leaves out.
public struct HFConfig: Sendable, Hashable {
    public enum Family: String, Sendable, Hashable, CaseIterable {
        case llama, mistral, qwen2, qwen3, gemma, gemma2, phi3
        case gptNeoX = "gpt_neox"
        case gpt2, bert, roberta

        public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
        public var isEncoder: Bool { self == .bert || self == .roberta }
    }

    /// The model class `architectures[0]` names: its task head.
    public enum Task: String, Sendable, Hashable {
        case causalLM = "CausalLM", maskedLM = "MaskedLM", sequenceClassification = "SequenceClassification", base = "Model"
    }

    public enum Act: String, Sendable, Hashable {
        case silu, gelu, geluNew = "gelu_new", geluTanh = "gelu_pytorch_tanh", relu
    }

    public var family: Family
    public var task: Task
    public var architecture: String
    public var vocab: Int
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var intermediate: Int
    public var maxPositions: Int
    public var typeVocab: Int
    public var act: Act
    public var tiedEmbeddings: Bool
    /// Biases of the q/k/v projections, of the output projection, of the MLP's linears.
    public var qkvBias: Bool
    public var outBias: Bool
    public var mlpBias: Bool
    public var attentionDropout: Double
    public var hiddenDropout: Double
    public var embeddingDropout: Double
    public var classifierDropout: Double
    /// Features the rotary embedding turns (partial rotary: GPT-NeoX's `rotary_pct`, Phi-3's factor).
    public var rotaryDim: Int
    public var slidingWindow: Int?
    /// Gemma 2: `query_pre_attn_scalar`, `attn_logit_softcapping`, `final_logit_softcapping`, `layer_types`.
    public var queryPreAttnScalar: Double?
    public var attnSoftcap: Double?
    public var finalSoftcap: Double?
    public var layerTypes: [String]?

    /// Whether layer `i` attends within the sliding window (Gemma 2: `layer_types`, by default every even layer).
    public func isSlidingLayer(_ i: Int) -> Bool {
        guard family == .gemma2 else { return slidingWindow != nil }
        if let layerTypes, i < layerTypes.count { return layerTypes[i] == "sliding_attention" }
        return (i + 1) % 2 == 1
    }
    public var numLabels: Int
    public var useCache: Bool
    public var parallelResidual: Bool
    public var rmsEps: Double
    /// `attn_implementation` as the file names it (nil: transformers' default, sdpa).
    public var attnImplementation: String?

    /// Reads a parsed `config.json`.
    /// - Throws: `ModelError` naming the key (`model_type`, `architectures`, a key of the wrong type).
    public init(json: JSONValue) throws(ModelError) {
        guard case .object(let o) = json else {
            throw .invalidValue(node: "config.json", field: "(top level)", message: "a Hugging Face config is a JSON object, got \(json.typeName)")
        }
        var r = Keys(object: o)
        let type = try r.string("model_type")
        guard let type, let family = Family(rawValue: type) else {
            throw .invalidValue(node: "config.json", field: "model_type",
                                message: type.map { "unsupported model_type '\($0)'; supported: \(Family.validNames)" }
                                    ?? "missing; a Hugging Face config names its model_type (supported: \(Family.validNames))")
        }
        let archs = try r.stringList("architectures")
        let defaultArch: String = switch family {
        case .bert: "BertForMaskedLM"
        case .roberta: "RobertaForMaskedLM"
        case .gpt2: "GPT2LMHeadModel"
        case .gptNeoX: "GPTNeoXForCausalLM"
        case .llama: "LlamaForCausalLM"
        case .mistral: "MistralForCausalLM"
        case .qwen2: "Qwen2ForCausalLM"
        case .qwen3: "Qwen3ForCausalLM"
        case .gemma: "GemmaForCausalLM"
        case .gemma2: "Gemma2ForCausalLM"
        case .phi3: "Phi3ForCausalLM"
        }
        let architecture = archs?.first ?? defaultArch
        guard let task = Self.task(of: architecture) else {
            throw .invalidValue(node: "config.json", field: "architectures",
                                message: "unsupported architecture '\(architecture)'; MemQ builds *ForCausalLM, *LMHeadModel, *ForMaskedLM, *ForSequenceClassification and the base *Model")
        }
        try self.init(family: family, task: task, keys: &r)
        self.architecture = architecture
    }

    static func task(of architecture: String) -> Task? {
        if architecture.hasSuffix("ForCausalLM") || architecture.hasSuffix("LMHeadModel") { return .causalLM }
        if architecture.hasSuffix("ForMaskedLM") { return .maskedLM }
        if architecture.hasSuffix("ForSequenceClassification") { return .sequenceClassification }
        // The base model (LlamaModel, BertModel); other heads (GPT2DoubleHeadsModel, *ForTokenClassification) are refused.
        if architecture.hasSuffix("Model"), !architecture.contains("For"), !architecture.contains("Heads") { return .base }
        return nil
    }

    private init(family: Family, task: Task, keys r: inout Keys) throws(ModelError) {
        self.family = family; self.task = task; self.architecture = ""
        // Defaults per family (transformers 5.24 configuration_*.py).
        let d: (vocab: Int, hidden: Int, layers: Int, heads: Int, inter: Int, pos: Int, act: Act, tie: Bool) = switch family {
        case .llama: (32000, 4096, 32, 32, 11008, 2048, .silu, false)
        case .mistral: (32000, 4096, 32, 32, 14336, 4096 * 32, .silu, false)
        case .qwen2: (151_936, 4096, 32, 32, 22016, 32768, .silu, false)
        case .qwen3: (151_936, 4096, 32, 32, 22016, 32768, .silu, false)
        case .gemma: (256_000, 3072, 28, 16, 24576, 8192, .geluTanh, true)
        case .gemma2: (256_000, 2304, 26, 8, 9216, 8192, .geluTanh, true)
        case .phi3: (32064, 3072, 32, 32, 8192, 4096, .silu, false)
        case .gptNeoX: (50432, 6144, 44, 64, 24576, 2048, .gelu, false)
        case .gpt2: (50257, 768, 12, 12, 0, 1024, .geluNew, true)
        case .bert: (30522, 768, 12, 12, 3072, 512, .gelu, true)
        case .roberta: (50265, 768, 12, 12, 3072, 512, .gelu, true)
        }
        let gpt2 = family == .gpt2
        vocab = try r.int("vocab_size", d.vocab)
        hidden = try r.int(gpt2 ? "n_embd" : "hidden_size", d.hidden)
        layers = try r.int(gpt2 ? "n_layer" : "num_hidden_layers", d.layers)
        heads = try r.int(gpt2 ? "n_head" : "num_attention_heads", d.heads)
        let kvDefault = family == .mistral ? 8 : family == .gemma2 ? 4 : heads
        kvHeads = try r.int("num_key_value_heads", kvDefault)
        for (key, v) in [("vocab_size", vocab), ("hidden_size", hidden), ("num_hidden_layers", layers),
                         ("num_attention_heads", heads), ("num_key_value_heads", kvHeads)] where v <= 0 {
            throw .invalidValue(node: "config.json", field: key, message: "must be a positive integer, got \(v)")
        }
        guard heads % kvHeads == 0 else {
            throw .invalidValue(node: "config.json", field: "num_key_value_heads", message: "must divide num_attention_heads = \(heads), got \(kvHeads)")
        }
        // Qwen3Config's head_dim defaults to 128 whatever the width (configuration_qwen3.py).
        headDim = try r.int("head_dim", family == .gemma || family == .gemma2 ? 256 : family == .qwen3 ? 128 : hidden / heads)
        if gpt2 {
            intermediate = try r.int("n_inner", 4 * hidden)
        } else {
            intermediate = try r.int("intermediate_size", d.inter)
        }
        maxPositions = try r.int(gpt2 ? "n_positions" : "max_position_embeddings", d.pos)
        typeVocab = try r.int("type_vocab_size", 2)
        let gemmaFamily = family == .gemma || family == .gemma2
        let actKey = gemmaFamily ? "hidden_activation" : (gpt2 ? "activation_function" : "hidden_act")
        let gemmaAct = gemmaFamily ? try r.string("hidden_act") : nil
        let actName = try r.string(actKey) ?? gemmaAct ?? d.act.rawValue
        guard let act = Act(rawValue: actName == "swish" ? "silu" : actName) else {
            throw .invalidValue(node: "config.json", field: actKey, message: "unsupported activation '\(actName)'; supported: silu, gelu, gelu_new, gelu_pytorch_tanh, relu")
        }
        self.act = act
        tiedEmbeddings = try r.bool("tie_word_embeddings", d.tie)
        let attentionBias = try r.bool("attention_bias", family == .gptNeoX)
        qkvBias = family == .qwen2 || family.isEncoder || gpt2 || attentionBias
        outBias = family.isEncoder || gpt2 || (family != .qwen2 && attentionBias)
        let llamaMLPBias = try r.bool("mlp_bias", false)
        mlpBias = family.isEncoder || gpt2 || family == .gptNeoX || (family == .llama && llamaMLPBias)
        if gpt2 {
            attentionDropout = try r.double("attn_pdrop", 0.1)
            hiddenDropout = try r.double("resid_pdrop", 0.1)
            embeddingDropout = try r.double("embd_pdrop", 0.1)
        } else if family.isEncoder {
            attentionDropout = try r.double("attention_probs_dropout_prob", 0.1)
            hiddenDropout = try r.double("hidden_dropout_prob", 0.1)
            embeddingDropout = hiddenDropout
        } else if family == .gptNeoX {
            attentionDropout = try r.double("attention_dropout", 0)
            hiddenDropout = try r.double("hidden_dropout", 0)
            embeddingDropout = 0
        } else if family == .phi3 {
            attentionDropout = try r.double("attention_dropout", 0)
            hiddenDropout = try r.double("resid_pdrop", 0)
            embeddingDropout = try r.double("embd_pdrop", 0)
        } else {
            attentionDropout = try r.double("attention_dropout", 0)
            hiddenDropout = 0
            embeddingDropout = 0
        }
        classifierDropout = try r.double("classifier_dropout", hiddenDropout)
        // transformers 5 also writes the factor inside `rope_parameters`.
        var ropeFactor: Double? = nil
        if case .object(let rope)? = r.object["rope_parameters"] { ropeFactor = try Keys(object: rope).double("partial_rotary_factor", .nan) }
        let topFactor = family == .gptNeoX ? try r.double("rotary_pct", 0.25) : try r.double("partial_rotary_factor", 1)
        let partial = ropeFactor.flatMap { $0.isNaN ? nil : $0 } ?? topFactor
        rotaryDim = Int(Double(headDim) * partial)
        slidingWindow = family == .mistral || family == .gemma2 ? try r.optionalInt("sliding_window", default: 4096) : nil
        // Gemma 2 (configuration_gemma2.py): q scaled by query_pre_attn_scalar^-0.5, attention and final logits
        // soft-capped (`x / cap`, tanh, `* cap`; null turns one off), sliding and full layers alternating.
        queryPreAttnScalar = family == .gemma2 ? try r.double("query_pre_attn_scalar", 256) : nil
        attnSoftcap = family == .gemma2 ? try r.optionalDouble("attn_logit_softcapping", default: 50) : nil
        finalSoftcap = family == .gemma2 ? try r.optionalDouble("final_logit_softcapping", default: 30) : nil
        layerTypes = family == .gemma2 ? try r.stringList("layer_types") : nil
        numLabels = try r.int("num_labels", 2)
        useCache = try r.bool("use_cache", true)
        parallelResidual = try r.bool("use_parallel_residual", true)
        rmsEps = try r.double("rms_norm_eps", 1e-6)
        let privateImplementation = try r.string("_attn_implementation")
        attnImplementation = try r.string("attn_implementation") ?? privateImplementation
        // LayerNorm epsilons change no byte; read only so that a mistyped value is still reported by key.
        _ = try r.double("layer_norm_epsilon", 0)
        _ = try r.double("layer_norm_eps", 0)
    }
}

/// Typed reads of a config's keys: a key of the wrong type is an error naming it; keys MemQ does not read are
/// allowed (configs carry tokenizer ids, generation settings and more).
struct Keys {
    let object: [String: JSONValue]

    func fail(_ key: String, _ expected: String, _ v: JSONValue) -> ModelError {
        .wrongType(node: "config.json", field: key, expected: "\(expected), got \(v.typeName)")
    }

    func int(_ key: String, _ value: Int) throws(ModelError) -> Int {
        try optionalInt(key, default: value) ?? value
    }

    /// nil when the key is `null` (transformers' "unset": e.g. `n_inner`, `sliding_window`).
    func optionalInt(_ key: String, default value: Int?) throws(ModelError) -> Int? {
        guard let v = object[key] else { return value }
        switch v {
        case .null: return key == "sliding_window" ? nil : value
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: throw fail(key, "an integer", v)
        }
    }

    func double(_ key: String, _ value: Double) throws(ModelError) -> Double {
        guard let v = object[key] else { return value }
        switch v {
        case .null: return value
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw fail(key, "a number", v)
        }
    }

    /// A number, nil when the key is `null` (Gemma 2's soft-capping turned off), `value` when absent.
    func optionalDouble(_ key: String, default value: Double?) throws(ModelError) -> Double? {
        guard let v = object[key] else { return value }
        switch v {
        case .null: return nil
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw fail(key, "a number or null", v)
        }
    }

    func bool(_ key: String, _ value: Bool) throws(ModelError) -> Bool {
        guard let v = object[key] else { return value }
        switch v {
        case .null: return value
        case .bool(let b): return b
        default: throw fail(key, "true or false", v)
        }
    }

    func string(_ key: String) throws(ModelError) -> String? {
        guard let v = object[key] else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return s
        default: throw fail(key, "a string", v)
        }
    }

    func stringList(_ key: String) throws(ModelError) -> [String]? {
        guard let v = object[key] else { return nil }
        switch v {
        case .null: return nil
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail(key, "a list of class names", v) }
                out.append(s)
            }
            return out
        default: throw fail(key, "a list of class names", v)
        }
    }

}
