import Foundation

/// The JSON model format (`docs/model-spec.md`): read into a `Graph`, and written back from one.
///
/// ```json
/// {"name": "tiny", "input": {"shape": [3, 32, 32]},
///  "nodes": [{"name": "conv1", "op": "conv2d", "out_channels": 8, "kernel": 3, "padding": 1},
///            {"op": "relu"}, {"op": "flatten"}, {"op": "linear", "out_features": 10}]}
/// ```
/// A node without `inputs` reads the node before it (a sequential list is a chain); a node without `name`
/// is named after its op and position.
public enum ModelSpec {
    /// Reads a spec from JSON text.
    public static func graph(from data: Data) throws(ModelError) -> Graph {
        try graph(from: try JSONValue.parse(data))
    }

    /// Reads a spec from a parsed JSON value.
    public static func graph(from json: JSONValue) throws(ModelError) -> Graph {
        guard case .object(let top) = json else {
            throw .wrongType(node: "", field: "(top level)", expected: "an object with 'input' and 'nodes', got \(json.typeName)")
        }
        var reader = FieldReader(node: "", object: top)
        let name = try reader.optionalString("name") ?? "model"
        var nodes: [Node] = []

        // Inputs: "input": {...} or "inputs": [{...}, ...].
        var inputObjects: [JSONValue] = []
        if let single = reader.raw("input"), single != .null { inputObjects.append(single) }
        if let many = reader.raw("inputs"), many != .null {
            guard case .array(let items) = many else {
                throw .wrongType(node: "", field: "inputs", expected: "an array of input objects, got \(many.typeName)")
            }
            inputObjects += items
        }
        guard !inputObjects.isEmpty else { throw .missingField(node: "", field: "input") }
        for (i, value) in inputObjects.enumerated() {
            guard case .object(let o) = value else {
                throw .wrongType(node: "input #\(i)", field: "input", expected: "an object with 'shape', got \(value.typeName)")
            }
            var r = FieldReader(node: "input #\(i)", object: o)
            let inputName = try r.optionalString("name") ?? (i == 0 ? "input" : "input\(i)")
            r = FieldReader(node: inputName, object: o, alreadyUsed: r.used)
            let shape = try r.intArray("shape")
            let dtype: DType?
            if let text = try r.optionalString("dtype") {
                guard let d = DType(name: text) else {
                    throw .invalidValue(node: inputName, field: "dtype", message: "unknown dtype '\(text)'; valid: \(DType.validNames)")
                }
                dtype = d.isFloatingPoint ? nil : d
            } else { dtype = nil }
            try r.finish(op: "input")
            nodes.append(Node(name: inputName, op: .input(Input(shape: TensorShape(shape), dtype: dtype)), inputs: []))
        }

        let listKey = reader.has("nodes") ? "nodes" : "layers"
        guard let list = reader.raw(listKey), list != .null else { throw .missingField(node: "", field: "nodes") }
        _ = reader.raw("nodes"); _ = reader.raw("layers")
        guard case .array(let items) = list else {
            throw .wrongType(node: "", field: listKey, expected: "an array of node objects, got \(list.typeName)")
        }
        guard !items.isEmpty else { throw .emptyModel("'\(listKey)' is empty; add at least one node") }
        let output = try reader.optionalString("output")
        var notes: [String] = []
        if let raw = reader.raw("notes"), raw != .null {
            guard case .array(let items) = raw else { throw .wrongType(node: "", field: "notes", expected: "an array of strings, got \(raw.typeName)") }
            for item in items {
                guard case .string(let s) = item else { throw .wrongType(node: "", field: "notes", expected: "an array of strings, got \(item.typeName) in it") }
                notes.append(s)
            }
        }
        var aux: [Graph.AuxiliaryLoss] = []
        if let raw = reader.raw("aux_losses"), raw != .null {
            guard case .array(let items) = raw else { throw .wrongType(node: "", field: "aux_losses", expected: "an array of {\"node\": NAME, \"weight\": 0.4}, got \(raw.typeName)") }
            for item in items {
                guard case .object(let o) = item, case .string(let n)? = o["node"] else {
                    throw .wrongType(node: "", field: "aux_losses", expected: "entries {\"node\": NAME, \"weight\": 0.4}, got \(item.typeName)")
                }
                var w = 1.0
                switch o["weight"] {
                case .int(let i)?: w = Double(i)
                case .double(let d)?: w = d
                case nil, .null?: break
                default: throw .wrongType(node: n, field: "aux_losses.weight", expected: "a number")
                }
                aux.append(.init(node: n, weight: w))
            }
        }
        try reader.finish(op: "the model")

        var previous = nodes.last!.name
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw .wrongType(node: "#\(i)", field: listKey, expected: "a node object, got \(item.typeName)")
            }
            let node = try Self.node(o, position: i, previous: previous)
            nodes.append(node)
            previous = node.name
        }
        var graph = try Graph(name: name, nodes: nodes, output: output)
        graph.notes = notes
        for a in aux where !graph.nodes.contains(where: { $0.name == a.node }) {
            throw .danglingInput(node: "aux_losses", input: a.node)
        }
        graph.auxiliaryLosses = aux
        return graph
    }

    private static func node(_ o: [String: JSONValue], position: Int, previous: String) throws(ModelError) -> Node {
        var r = FieldReader(node: "#\(position)", object: o)
        guard let opName = try r.optionalString("op") else {
            let named = (try? r.optionalString("name")).flatMap { $0 }
            throw .missingField(node: named ?? "#\(position)", field: "op")
        }
        let name = try r.optionalString("name") ?? "\(opName)_\(position)"
        r = FieldReader(node: name, object: o, alreadyUsed: r.used)
        let inputs: [String]
        switch r.raw("inputs") ?? r.raw("input") {
        case nil, .null?: inputs = [previous]
        case .string(let s)?: inputs = [s]
        case .array(let a)?:
            var names: [String] = []
            for (k, v) in a.enumerated() {
                guard case .string(let s) = v else {
                    throw .wrongType(node: name, field: "inputs[\(k)]", expected: "a node name (string), got \(v.typeName)")
                }
                names.append(s)
            }
            inputs = names
        case let other?:
            throw .wrongType(node: name, field: "inputs", expected: "an array of node names, got \(other.typeName)")
        }
        let trainable = try r.bool("trainable", default: true)
        // Without an explicit block, a dotted name's module path is its block (`block1.conv1` is in `block1`).
        // `"block": null` says the node is in no block (a Hugging Face model's embeddings and head: only its layers
        // are checkpointable).
        let explicitNone = r.raw("block") == .null
        let block = explicitNone ? nil : try r.optionalString("block") ?? name.lastIndex(of: ".").map { String(name[..<$0]) }
        let fp32 = try r.bool("fp32_params", default: false)
        let op = try Self.op(named: opName, reader: &r)
        try r.finish(op: opName)
        return Node(name: name, op: op, inputs: inputs, trainable: trainable, block: block, fp32Parameters: fp32)
    }

    private static func padding(_ r: inout FieldReader) throws(ModelError) -> Padding {
        switch r.raw("padding") {
        case nil, .null?: return .explicit(Pair(0))
        case .string(let s)?:
            switch s.lowercased() {
            case "same": return .same
            case "valid": return .valid
            case "full": return .full
            default:
                throw .invalidValue(node: r.node, field: "padding", message: "unknown padding '\(s)'; valid: a number, [h, w], [top, left, bottom, right], \"same\", \"valid\", \"full\"")
            }
        case .array(let a)? where a.count == 4:
            let v = try r.intArray("padding")
            guard v.allSatisfy({ $0 >= 0 }) else {
                throw .invalidValue(node: r.node, field: "padding", message: "must not be negative, got \(v)")
            }
            return .asymmetric(before: Pair(v[0], v[1]), after: Pair(v[2], v[3]))
        default:
            return .explicit(try r.pair("padding"))
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private static func op(named opName: String, reader r: inout FieldReader) throws(ModelError) -> Op {
        let aliases = ["batchnorm1d": "batchnorm", "batchnorm2d": "batchnorm", "cat": "concat", "conv": "conv2d",
                       "maxpool": "maxpool2d", "avgpool": "avgpool2d", "swish": "silu", "leakyrelu": "leaky_relu",
                       "upsample_nearest": "upsample", "view": "reshape", "multihead_attention": "attention"]
        guard let kind = OpKind(rawValue: aliases[opName.lowercased()] ?? opName.lowercased()) else {
            throw .unknownOp(node: r.node, op: opName)
        }
        switch kind {
        case .input:
            throw .invalidValue(node: r.node, field: "op", message: "inputs are declared under the top-level 'input' or 'inputs', not as nodes")
        case .conv2d:
            return .conv2d(Conv2d(outChannels: try r.int("out_channels"), kernel: try r.pair("kernel"),
                                  stride: try r.pair("stride", default: Pair(1)), padding: try padding(&r),
                                  dilation: try r.pair("dilation", default: Pair(1)), groups: try r.int("groups", default: 1),
                                  bias: try r.bool("bias", default: true), inChannels: try r.optionalInt("in_channels")))
        case .linear:
            var quantization: Quantization? = nil
            if let q = try r.optionalString("quantization") {
                guard let kind = Quantization.Kind(rawValue: q) else {
                    throw .invalidValue(node: r.node, field: "quantization", message: "unknown quantization '\(q)'; valid: \(Quantization.Kind.validNames)")
                }
                let c = try r.optionalString("compute_dtype") ?? "float32"
                guard let compute = DType(rawValue: c), compute.isFloatingPoint else {
                    throw .invalidValue(node: r.node, field: "compute_dtype", message: "unknown compute dtype '\(c)'; valid: float32, bfloat16, float16")
                }
                quantization = Quantization(kind, computeDType: compute, doubleQuant: try r.bool("double_quant", default: false),
                                            clonedByPEFT: try r.bool("peft_clone", default: false))
            }
            return .linear(Linear(outFeatures: try r.int("out_features"), bias: try r.bool("bias", default: true),
                                  inFeatures: try r.optionalInt("in_features"), tiedTo: try r.optionalString("tied_to"),
                                  quantization: quantization))
        case .batchnorm:
            return .batchNorm(BatchNorm(affine: try r.bool("affine", default: true),
                                        trackRunningStats: try r.bool("track_running_stats", default: true),
                                        numFeatures: try r.optionalInt("num_features")))
        case .layernorm:
            return .layerNorm(LayerNorm(normalizedDims: try r.int("normalized_dims", default: 1),
                                        affine: try r.bool("elementwise_affine", default: true),
                                        bias: try r.bool("bias", default: true)))
        case .groupnorm:
            return .groupNorm(GroupNorm(groups: try r.int("num_groups"), affine: try r.bool("affine", default: true)))
        case .rmsnorm:
            return .rmsNorm(RMSNorm())
        case .embedding:
            return .embedding(Embedding(count: try r.int("num_embeddings"), dim: try r.int("embedding_dim"),
                                        inputEmbeddings: try r.bool("input_embeddings", default: false)))
        case .relu, .relu6, .leakyRelu, .gelu, .silu, .sigmoid, .tanh, .hardswish, .hardsigmoid:
            let function = Activation.Function(rawValue: kind.rawValue)!
            let slope = function == .leakyRelu ? try r.double("negative_slope", default: 0.01) : 0.01
            return .activation(Activation(function, inplace: try r.bool("inplace", default: false), negativeSlope: slope))
        case .softmax:
            return .softmax(dim: try r.int("dim", default: -1))
        case .maxpool2d, .avgpool2d:
            let kernel = try r.pair("kernel")
            let pool = Pool2d(kernel: kernel, stride: try r.pair("stride", default: kernel),
                              padding: try r.pair("padding", default: Pair(0)),
                              dilation: kind == .maxpool2d ? try r.pair("dilation", default: Pair(1)) : Pair(1),
                              ceilMode: try r.bool("ceil_mode", default: false),
                              countIncludePad: kind == .avgpool2d ? try r.bool("count_include_pad", default: true) : true)
            return kind == .maxpool2d ? .maxPool2d(pool) : .avgPool2d(pool)
        case .adaptiveAvgpool2d, .adaptiveMaxpool2d:
            let size = try r.pair("output_size", default: Pair(1))
            return kind == .adaptiveAvgpool2d ? .adaptiveAvgPool2d(outputSize: [size.h, size.w])
                                              : .adaptiveMaxPool2d(outputSize: [size.h, size.w])
        case .flatten:
            return .flatten(startDim: try r.int("start_dim", default: 1), endDim: try r.int("end_dim", default: -1))
        case .reshape:
            return .reshape(shape: try r.intArray("shape"))
        case .permute:
            return .permute(dims: try r.intArray("dims"))
        case .transpose:
            return .transpose(try r.int("dim0"), try r.int("dim1"))
        case .add: return .add(inplace: try r.bool("inplace", default: false))
        case .mul: return .mul
        case .matmul: return .matmul
        case .concat:
            return .concat(dim: try r.int("dim", default: 1))
        case .split:
            return .split(Split(sizes: try r.intArray("sizes"), index: try r.int("index"), dim: try r.int("dim", default: 1)))
        case .chunk:
            return .split(Split(chunks: try r.int("chunks"), index: try r.int("index"), dim: try r.int("dim", default: 1)))
        case .channelShuffle:
            return .channelShuffle(groups: try r.int("groups"))
        case .dropout:
            return .dropout(p: try r.double("p", default: 0.5), inplace: try r.bool("inplace", default: false))
        case .stochasticDepth:
            return .stochasticDepth(p: try r.double("p", default: 0.1))
        case .upsample:
            if let mode = try r.optionalString("mode"), mode != "nearest" {
                throw .invalidValue(node: r.node, field: "mode", message: "only \"nearest\" is supported, got '\(mode)'")
            }
            return .upsample(scale: try r.int("scale_factor"))
        case .attention:
            let heads = try r.int("num_heads")
            return .attention(Attention(embedDim: try r.int("embed_dim"), heads: heads,
                                        kvHeads: try r.optionalInt("num_kv_heads"), headDim: try r.optionalInt("head_dim"),
                                        qkvBias: try r.bool("bias", default: true), outBias: try r.bool("out_bias", default: true),
                                        causal: try r.bool("causal", default: false),
                                        extraParams: try r.int("extra_params", default: 0)))
        case .mean:
            return .mean(dims: try r.intArray("dims"), keepDim: try r.bool("keepdim", default: false))
        case .scale:
            return .scale(factor: try r.double("factor", default: 1))
        case .layerScale:
            return .layerScale(dim: try r.int("dim", default: 1), plusOne: try r.bool("plus_one", default: false))
        case .positionalEmbedding:
            return .positionalEmbedding(Positional())
        case .classToken:
            return .classToken(count: try r.int("count", default: 1))
        case .select:
            return .select(dim: try r.int("dim"), index: try r.int("index"))
        case .pad:
            return .pad2d(try r.intArray("pads"))
        case .roll:
            return .roll(shifts: try r.intArray("shifts"), dims: try r.intArray("dims"))
        case .crossEntropy:
            return .crossEntropy
        case .pow, .rsqrt, .addScalar, .neg, .cast, .contiguous, .rotaryTable, .sdpa, .repeatKV, .kvCache, .lmLoss, .causalMask, .positions:
            return try transformerOp(kind, reader: &r)
        }
    }

    /// The ops of transformers' modules (docs/model-spec.md).
    private static func transformerOp(_ kind: OpKind, reader r: inout FieldReader) throws(ModelError) -> Op {
        switch kind {
        case .pow: return .pointwise(Pointwise(.pow(try r.double("exponent", default: 2))))
        case .rsqrt: return .pointwise(Pointwise(.rsqrt))
        case .addScalar: return .pointwise(Pointwise(.addScalar(try r.double("value", default: 0))))
        case .neg: return .pointwise(Pointwise(.neg))
        case .contiguous: return .pointwise(Pointwise(.contiguous))
        case .cast:
            guard let text = try r.optionalString("dtype") else { return .pointwise(Pointwise(.cast(nil))) }
            guard let d = DType(name: text) else {
                throw .invalidValue(node: r.node, field: "dtype", message: "unknown dtype '\(text)'; valid: float32, float16, bfloat16, float64 (omit it for the model's compute dtype)")
            }
            return .pointwise(Pointwise(.cast(d)))
        case .rotaryTable:
            guard let f = try r.optionalString("function") else { throw .missingField(node: r.node, field: "function") }
            guard let function = RotaryTable.Function(rawValue: f) else {
                throw .invalidValue(node: r.node, field: "function", message: "unknown rotary table '\(f)'; valid: cos, sin")
            }
            return .rotaryTable(RotaryTable(function, dim: try r.int("dim"), buffers: try r.optionalIntArray("buffers") ?? []))
        case .sdpa:
            guard let k = try r.optionalString("kernel") else { throw .missingField(node: r.node, field: "kernel") }
            guard let kernel = AttentionKernel(rawValue: k), kernel != AttentionKernel.math else {
                throw .invalidValue(node: r.node, field: "kernel", message: "unknown fused attention kernel '\(k)'; valid: flash, efficient, cudnn (the math kernel is written out as matmul, softmax and dropout nodes)")
            }
            return .sdpa(SDPA(kernel: kernel, causal: try r.bool("causal", default: false), dropout: try r.double("dropout", default: 0)))
        case .repeatKV: return .repeatKV(groups: try r.int("groups"))
        case .kvCache: return .kvCache
        case .positions: return .positions(buffers: try r.optionalIntArray("buffers") ?? [])
        case .causalMask: return .causalMask(shared: try r.bool("shared", default: false))
        case .lmLoss:
            guard let k = try r.optionalString("kind") else { throw .missingField(node: r.node, field: "kind") }
            guard let kind = LMLoss.Kind(rawValue: k) else {
                throw .invalidValue(node: r.node, field: "kind", message: "unknown loss '\(k)'; valid: causal, masked")
            }
            return .lmLoss(LMLoss(kind))
        default:
            preconditionFailure("not a transformer op: \(kind.rawValue)")
        }
    }
}
