import Foundation

extension LoRA {
    /// Reads `r=16,alpha=32,dropout=0.05,targets=q_proj,v_proj` (the CLI's `--lora`): `key=value` pairs separated by
    /// commas, where a part without `=` continues the previous key's list (`targets`). Keys: `r`, `alpha`,
    /// `dropout`, `targets` (names, `all-linear`, or `regex:PATTERN`), `rslora` (true/false). Missing keys take
    /// peft's defaults (`r=8`, `alpha=8`, `dropout=0`, peft's default targets).
    /// - Throws: `EstimateError.invalidOption(field: "lora")` naming the part at fault.
    public init(parsing text: String) throws(EstimateError) {
        self.init()
        var key: String? = nil
        var names: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if let eq = part.firstIndex(of: "=") {
                let k = String(part[..<eq]).lowercased(), v = String(part[part.index(after: eq)...])
                key = k
                switch k {
                case "r", "rank": rank = try Self.int(v, "r")
                case "alpha", "lora_alpha": alpha = try Self.number(v, "alpha")
                case "dropout", "lora_dropout": dropout = try Self.number(v, "dropout")
                case "rslora", "use_rslora": rsLoRA = try Self.bool(v, "rslora")
                case "targets", "target_modules":
                    if v == "all-linear" { targets = .allLinear } else if v.hasPrefix("regex:") { targets = .pattern(String(v.dropFirst(6))) } else { names = [v] }
                default:
                    throw .invalidOption(field: "lora", message: "unknown key '\(k)' in '\(text)'; valid keys: \(Self.textKeys)")
                }
            } else if key == "targets" || key == "target_modules", !part.isEmpty, case .defaults = targets {
                names.append(part)
            } else {
                throw .invalidOption(field: "lora", message: "'\(part)' in '\(text)' is not key=value; write e.g. r=16,alpha=32,dropout=0.05,targets=q_proj,v_proj (keys: \(Self.textKeys))")
            }
        }
        if !names.isEmpty { targets = .names(names) }
        if case .names(let n) = targets, n.contains(where: \.isEmpty) {
            throw .invalidOption(field: "lora", message: "an empty target name in '\(text)'")
        }
    }

    static let textKeys = "r, alpha, dropout, targets, rslora"

    /// Reads peft's `adapter_config.json` (or a request's `lora` object in the same keys: `r`, `lora_alpha`,
    /// `lora_dropout`, `target_modules`, `use_rslora`; the short `alpha`, `dropout`, `targets`, `rslora` too).
    /// Settings MemQ does not model (DoRA, trained biases, `modules_to_save`, per-layer rank patterns, layer
    /// subsets) are refused rather than ignored; bookkeeping keys (`task_type`, `base_model_name_or_path`, ...) are
    /// accepted.
    /// - Throws: `EstimateError.invalidOption(field: "lora")` naming the key.
    public init(peftConfig value: JSONValue) throws(EstimateError) {
        guard case .object(let o) = value else {
            throw .invalidOption(field: "lora", message: "a LoRA config must be an object such as {\"r\": 16, \"lora_alpha\": 32, \"target_modules\": [\"q_proj\", \"v_proj\"]} or a string r=16,alpha=32,..., got \(value.typeName)")
        }
        self.init()
        for (key, v) in o.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "r": rank = try Self.int(v, key)
            case "lora_alpha", "alpha": alpha = try Self.number(v, key)
            case "lora_dropout", "dropout": dropout = try Self.number(v, key)
            case "use_rslora", "rslora": rsLoRA = try Self.bool(v, key)
            case "target_modules", "targets": targets = try Self.targets(v, key)
            case "peft_type":
                guard v == .string("LORA") else { throw Self.unmodelled(key, v, "only LORA adapters are modelled") }
            case "bias":
                guard v == .string("none") || v == .null else { throw Self.unmodelled(key, v, "trained biases are not modelled; use \"none\"") }
            case "use_dora", "lora_bias", "use_qalora":
                guard v == .bool(false) || v == .null else { throw Self.unmodelled(key, v, "not modelled") }
            case "modules_to_save", "layers_to_transform", "layers_pattern", "exclude_modules", "layer_replication",
                 "trainable_token_indices", "target_parameters", "alora_invocation_tokens":
                if v != .null, v != .array([]) { throw Self.unmodelled(key, v, "not modelled; leave it null") }
            case "rank_pattern", "alpha_pattern":
                if v != .null, v != .object([:]) { throw Self.unmodelled(key, v, "per-layer ranks are not modelled; leave it {}") }
            default:
                guard Self.bookkeepingKeys.contains(key) else {
                    throw .invalidOption(field: "lora", message: "unknown key '\(key)'; LoRA keys: r, lora_alpha, lora_dropout, target_modules, use_rslora (peft's LoraConfig)")
                }
            }
        }
    }

    /// peft LoraConfig keys that do not change training memory.
    static let bookkeepingKeys: Set<String> = [
        "task_type", "base_model_name_or_path", "revision", "inference_mode", "init_lora_weights", "fan_in_fan_out",
        "auto_mapping", "megatron_config", "megatron_core", "loftq_config", "eva_config", "corda_config",
        "qalora_group_size", "runtime_config", "arrow_config", "ensure_weight_tying", "peft_version", "lora_ga_config",
        "use_bdlora", "bdlora_config",
    ]

    static func targets(_ v: JSONValue, _ key: String) throws(EstimateError) -> Targets {
        switch v {
        case .string("all-linear"): return .allLinear
        case .string(let pattern): return .pattern(pattern)
        case .null: return .defaults
        case .array(let items):
            var names: [String] = []
            for item in items {
                guard case .string(let s) = item, !s.isEmpty else {
                    throw .invalidOption(field: "lora", message: "'\(key)' must list module names (strings), got \(item.typeName)")
                }
                names.append(s)
            }
            return .names(names)
        default:
            throw .invalidOption(field: "lora", message: "'\(key)' must be a list of module names, a regex string or \"all-linear\", got \(v.typeName)")
        }
    }

    static func unmodelled(_ key: String, _ v: JSONValue, _ why: String) -> EstimateError {
        .invalidOption(field: "lora", message: "'\(key)': \(why) (got \(String(decoding: v.serialized(), as: UTF8.self)))")
    }

    static func int(_ text: String, _ key: String) throws(EstimateError) -> Int {
        guard let i = Int(text), i >= 1 else { throw .invalidOption(field: "lora", message: "'\(key)' must be a positive integer, got '\(text)'") }
        return i
    }

    static func number(_ text: String, _ key: String) throws(EstimateError) -> Double {
        guard let d = Double(text), d.isFinite else { throw .invalidOption(field: "lora", message: "'\(key)' must be a number, got '\(text)'") }
        return d
    }

    static func bool(_ text: String, _ key: String) throws(EstimateError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .invalidOption(field: "lora", message: "'\(key)' must be true or false, got '\(text)'")
        }
    }

    static func int(_ v: JSONValue, _ key: String) throws(EstimateError) -> Int {
        guard case .int(let i) = v, i >= 1 else { throw .invalidOption(field: "lora", message: "'\(key)' must be a positive integer, got \(v.typeName)") }
        return i
    }

    static func number(_ v: JSONValue, _ key: String) throws(EstimateError) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw .invalidOption(field: "lora", message: "'\(key)' must be a number, got \(v.typeName)")
        }
    }

    static func bool(_ v: JSONValue, _ key: String) throws(EstimateError) -> Bool {
        guard case .bool(let b) = v else { throw .invalidOption(field: "lora", message: "'\(key)' must be true or false, got \(v.typeName)") }
        return b
    }
}
