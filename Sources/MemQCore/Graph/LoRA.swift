/// LoRA adapters as peft builds them (`LoraConfig`, peft/tuners/lora/config.py; `lora.Linear`,
/// peft/tuners/lora/layer.py): every matching linear layer keeps its frozen base and gains a rank-`r` pair
/// `lora_B(lora_A(dropout(x))) * scaling` added to its output; only the adapters train.
public struct LoRA: Sendable, Hashable, CustomStringConvertible {
    /// Which linear layers get adapters (peft's `target_modules`).
    public enum Targets: Sendable, Hashable {
        /// Module names matched whole or by their trailing dotted components (`q_proj` matches
        /// `model.layers.0.self_attn.q_proj`; peft's `check_target_module_exists` with a list).
        case names([String])
        /// A regular expression matched against the whole module name (peft: a string `target_modules`).
        case pattern(String)
        /// `all-linear`: every linear layer except the output layer (peft's `_maybe_include_all_linear_layers`).
        case allLinear
        /// peft's defaults per model type (`TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING`): the first of
        /// its target sets whose names all occur in the model.
        case defaults
    }

    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    public var targets: Targets
    /// `use_rslora`: scaling `alpha / sqrt(r)` instead of `alpha / r`.
    public var rsLoRA: Bool

    /// peft's defaults: `r=8, lora_alpha=8, lora_dropout=0.0`.
    public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0, targets: Targets = .defaults, rsLoRA: Bool = false) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targets = targets; self.rsLoRA = rsLoRA
    }

    /// `self.scaling[adapter_name]` (peft/tuners/lora/layer.py `update_layer`).
    public var scaling: Double { rsLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank) }

    public var description: String {
        let t: String
        switch targets {
        case .names(let n): t = n.joined(separator: ",")
        case .pattern(let p): t = "regex:" + p
        case .allLinear: t = "all-linear"
        case .defaults: t = "peft defaults"
        }
        return "r=\(rank), alpha=\(LoRA.short(alpha)), dropout=\(LoRA.short(dropout)), targets=\(t)"
            + (rsLoRA ? ", rslora" : "")
    }

    /// `32` for an integral value, else Swift's shortest form (`0.05`).
    static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    /// peft's default target sets (peft/utils/constants.py), in the order tried.
    static let defaultTargetSets: [[String]] = [["q_proj", "v_proj"], ["c_attn"], ["query", "value"], ["qkv_proj"],
                                                ["query_key_value"]]
}

extension ModelAnalysis {
    /// The graph with LoRA adapters on the linear layers `lora.targets` names, everything else frozen.
    ///
    /// Per adapted layer `N` (peft/tuners/lora/layer.py `Linear.forward`): `N.base_layer` (the frozen linear),
    /// `x.to(lora_A.weight.dtype)` when the input's type differs (`_cast_input_dtype`, a copy), `N.lora_dropout`
    /// (when `dropout > 0`; else `nn.Identity`), `N.lora_A.default` (`in -> r`, no bias), `N.lora_B.default`
    /// (`r -> out`, no bias), `* scaling`, `result + ...` (type promotion), and `result.to(torch_result_dtype)`
    /// when the sum's type differs from the base output's. Adapters are float32 under a half-precision base
    /// (`cast_adapter_dtype`).
    /// - Parameter dtype: the precision policy, which fixes the base output's and the adapters' element types.
    /// - Throws: `EstimateError.loraTargetMatchesNothing` for a target that names no linear layer (with the names
    ///   that exist); `.invalidOption` for bad values or a tied layer.
    public func applyingLoRA(_ lora: LoRA, dtype: DTypePolicy) throws(EstimateError) -> Graph {
        guard lora.rank >= 1 else { throw .invalidOption(field: "lora", message: "r must be a positive integer, got \(lora.rank)") }
        guard lora.alpha > 0, lora.alpha.isFinite else {
            throw .invalidOption(field: "lora", message: "alpha must be a positive number, got \(LoRA.short(lora.alpha))")
        }
        guard lora.dropout >= 0, lora.dropout < 1 else {
            throw .invalidOption(field: "lora", message: "dropout must be in [0, 1), got \(LoRA.short(lora.dropout))")
        }
        let adapted = try loraTargets(lora)
        let adapterType = dtype.parameters.byteSize < 4 ? DType.float32 : dtype.parameters
        var nodes: [Node] = []
        for (i, var node) in graph.nodes.enumerated() {
            node.trainable = false
            guard adapted.contains(i), case .linear(let linear) = node.op else { nodes.append(node); continue }
            let name = node.name, x = node.inputs[0]
            func adapter(_ suffix: String, _ op: Op, _ inputs: [String], trainable: Bool = false) -> String {
                // peft upcasts adapters only on a half-precision base (cast_adapter_dtype).
                nodes.append(Node(name: "\(name).\(suffix)", op: op, inputs: inputs, trainable: trainable, block: node.block,
                                  fp32Parameters: trainable && dtype.parameters.byteSize < 4))
                return "\(name).\(suffix)"
            }
            node.name = "\(name).base_layer"
            if var q = linear.quantization, q.kind != .int8 {
                // peft's lora.bnb.Linear4bit.forward: `result = result.clone()` before the adapters are added.
                q.clonedByPEFT = true
                var l = linear
                l.quantization = q
                node.op = .linear(l)
            }
            nodes.append(node)
            let inputType = layers[layers[i].inputs[0]].outputDType ?? dtype.activations
            var h = x
            if inputType != adapterType { h = adapter("lora_cast", .pointwise(Pointwise(.cast(adapterType))), [h]) }
            if lora.dropout > 0 { h = adapter("lora_dropout.default", .dropout(p: lora.dropout, inplace: false), [h]) }
            h = adapter("lora_A.default", .linear(Linear(outFeatures: lora.rank, bias: false)), [h], trainable: true)
            h = adapter("lora_B.default", .linear(Linear(outFeatures: linear.outFeatures, bias: false)), [h], trainable: true)
            h = adapter("lora_scaling", .scale(factor: lora.scaling), [h])
            // The base output is in the input's type (or the compute type); the adapter path in the adapters'.
            let baseType = layers[i].outputDType ?? dtype.activations
            let adapterOut = dtype.isAutocast ? dtype.activations : adapterType
            let sumType = adapterOut.byteSize > baseType.byteSize ? adapterOut : baseType
            if sumType == baseType {
                nodes.append(Node(name: name, op: .add(inplace: false), inputs: [node.name, h], trainable: false, block: node.block))
            } else {
                let sum = adapter("lora_add", .add(inplace: false), [node.name, h])
                let target: DType? = baseType == dtype.activations ? nil : baseType
                nodes.append(Node(name: name, op: .pointwise(Pointwise(.cast(target))), inputs: [sum], trainable: false,
                                  block: node.block))
            }
        }
        do {
            var g = try Graph(name: graph.name, nodes: nodes, output: graph.output)
            g.auxiliaryLosses = graph.auxiliaryLosses
            g.notes = graph.notes + ["lora: \(lora) (scaling \(LoRA.short(lora.scaling))): \(adapted.count) linear layers adapted, base frozen"]
            return g
        } catch {
            throw .invalidOption(field: "lora", message: "adapters could not be added: \(error)")
        }
    }

    /// Indices of the linear layers `lora` adapts.
    func loraTargets(_ lora: LoRA) throws(EstimateError) -> Set<Int> {
        let linears = layers.indices.filter { if case .linear = layers[$0].op { true } else { false } }
        let suffixes = Self.orderedUnique(linears.map { Self.lastComponent(layers[$0].name) })
        func matching(_ target: String) -> [Int] {
            linears.filter { layers[$0].name == target || layers[$0].name.hasSuffix("." + target) }
        }
        var chosen: [Int] = []
        switch lora.targets {
        case .names(let names):
            guard !names.isEmpty else { throw .invalidOption(field: "lora", message: "targets is empty; valid names: \(suffixes.joined(separator: ", "))") }
            for t in names {
                let m = matching(t)
                if m.isEmpty { throw .loraTargetMatchesNothing(target: t, linears: suffixes) }
                chosen += m
            }
        case .pattern(let p):
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(p) } catch {
                throw .invalidOption(field: "lora", message: "targets regex '\(p)' is not a valid regular expression: \(error)")
            }
            chosen = linears.filter { (try? regex.wholeMatch(in: layers[$0].name)) != nil }
            if chosen.isEmpty { throw .loraTargetMatchesNothing(target: p, linears: suffixes) }
        case .allLinear:
            // Every linear but the one producing the output (peft leaves out the output embeddings).
            var head = outputIndex
            switch layers[head].op {
            case .lmLoss, .crossEntropy: head = layers[head].inputs[0]
            default: break
            }
            chosen = linears.filter { $0 != head }
            if chosen.isEmpty { throw .loraTargetMatchesNothing(target: "all-linear", linears: suffixes) }
        case .defaults:
            guard let set = LoRA.defaultTargetSets.first(where: { $0.allSatisfy { !matching($0).isEmpty } }) else {
                throw .invalidOption(field: "lora", message: "peft has no default targets for this model; give targets= (linear layers: \(suffixes.joined(separator: ", ")))")
            }
            chosen = set.flatMap(matching)
        }
        for i in chosen {
            if case .linear(let l) = layers[i].op, l.tiedTo != nil {
                throw .invalidOption(field: "lora", message: "'\(layers[i].name)' shares its weight with '\(l.tiedTo!)'; LoRA on a tied layer is not modelled")
            }
        }
        return Set(chosen)
    }

    static func lastComponent(_ name: String) -> String {
        name.lastIndex(of: ".").map { String(name[name.index(after: $0)...]) } ?? name
    }

    static func orderedUnique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
