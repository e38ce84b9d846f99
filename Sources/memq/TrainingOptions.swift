import Foundation
import ArgumentParser
import MemQCore

/// The options of a training-step query (`estimate`, `sweep`, `fit`), turned into a request body whose keys are
/// the option names — the same body memqd takes.
struct TrainingOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("A zoo name (memq models), a JSON spec file (docs/model-spec.md), or a spec inline as JSON.",
                                 valueName: "model"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("One sample's input shape without the batch (3x224x224; a sequence length for token models).",
                                            valueName: "CxHxW"))
    var input: String?

    @Option(name: .customLong("seq-len"), help: ArgumentHelp("For token models (BERT, GPT-2, LLaMA): the sequence length; the same as --input N.",
                                                            valueName: "n"))
    var seqLen: Int?

    @Option(name: .long, help: ArgumentHelp("""
        Precision policy: fp32, fp16, bf16, fp64 (everything in that type); amp-fp16, amp-bf16 (torch.autocast: fp32 \
        weights and optimizer, half activations); mixed-fp16, mixed-bf16 (half weights and gradients, fp32 master \
        copy and optimizer state). (default: fp32)
        """, valueName: "policy"))
    var dtype: String?

    @Option(name: .long, help: ArgumentHelp("sgd, momentum, nesterov, adam, adamw, amsgrad, rmsprop, rmsprop-momentum, rmsprop-centered, adagrad, lion; bitsandbytes: bnb-adamw, paged-adamw, adamw8bit, paged-adamw8bit. (default: sgd)",
                                            valueName: "name"))
    var optimizer: String?

    @Option(name: .long, help: ArgumentHelp("""
        pytorch: tensor bytes as PyTorch counts them (CPU MemTracker; with --gpu, torch.cuda.max_memory_allocated); \
        pytorch-cuda: what nvidia-smi shows (allocator segments, CUDA context, workspaces; needs --gpu); native: \
        MemQ's CPU engine. (default: pytorch)
        """, valueName: "runtime"))
    var runtime: String?

    @Option(name: .long, help: ArgumentHelp("A GPU profile from config/devices.json: a100-40gb, a100-80gb, h100-80gb, v100-16gb, v100-32gb, rtx3090, rtx4090, l4, t4.",
                                            valueName: "gpu"))
    var gpu: String?

    @Option(name: .long, help: ArgumentHelp("timeline (a simulated step, default) or seed (the textbook rule).", valueName: "method"))
    var method: String?

    @Option(name: .long, help: ArgumentHelp("Activation checkpointing: every:K (every K-th block) or blocks:NAME[,NAME...] (e.g. blocks:layer3,layer4).",
                                            valueName: "spec"))
    var checkpoint: String?

    @Option(name: .customLong("micro-batch"), help: ArgumentHelp("Gradient accumulation: samples per forward/backward pass.", valueName: "n"))
    var microBatch: Int?

    @Option(name: .long, help: ArgumentHelp("Freeze the layer named <prefix> and those under it (repeatable; layer1 covers layer1.0.conv1, not layer10): no gradients or optimizer state.",
                                            valueName: "prefix"))
    var freeze: [String] = []

    @Option(name: .long, help: ArgumentHelp("""
        LoRA adapters on a frozen base, as peft builds them: r=16,alpha=32,dropout=0.05,targets=q_proj,v_proj \
        (targets: layer names or their last components, all-linear, or regex:PATTERN; rslora=true), or a peft \
        adapter_config.json file. Missing keys take peft's defaults (r=8, alpha=8, dropout=0, the model type's targets).
        """, valueName: "spec|file"))
    var lora: String?

    @Option(name: .customLong("quantize-base"), help: ArgumentHelp("QLoRA (with --lora): store the base's linear layers as bitsandbytes does: nf4, fp4 (4-bit blocks of 64) or int8 (LLM.int8). The head stays unquantized.",
                                                                  valueName: "kind"))
    var quantizeBase: String?

    @Option(name: .customLong("compute-dtype"), help: ArgumentHelp("With --quantize-base: bnb_4bit_compute_dtype, bf16, fp16 or fp32. (default: fp32, transformers' default)",
                                                                  valueName: "dtype"))
    var computeDType: String?

    @Flag(name: .customLong("double-quant"), help: "With --quantize-base nf4|fp4: bnb_4bit_use_double_quant (the absmax quantized again).")
    var doubleQuant = false

    @Option(name: .long, help: ArgumentHelp("FSDP2 (fully_shard of every block, then the root) over N devices: per-device figures.", valueName: "n"))
    var fsdp: Int?

    @Option(name: .customLong("reshard-after-forward"), help: ArgumentHelp("With --fsdp: free each unit's gathered parameters after its forward (true, PyTorch's default) or keep them to the backward (false).",
                                                                          valueName: "bool"))
    var reshardAfterForward: String?

    @Option(name: .customLong("fsdp-param-dtype"), help: ArgumentHelp("With --fsdp: MixedPrecisionPolicy param_dtype (bf16, fp16): the gathered parameters and the compute; the shards keep --dtype.",
                                                                     valueName: "dtype"))
    var fsdpParamDType: String?

    @Option(name: .customLong("fsdp-reduce-dtype"), help: ArgumentHelp("With --fsdp: MixedPrecisionPolicy reduce_dtype (fp32, bf16) of the reduce-scatter. (default: the parameters' type)",
                                                                      valueName: "dtype"))
    var fsdpReduceDType: String?

    @Flag(name: .customLong("fsdp-cpu-offload"), help: "With --fsdp: CPUOffloadPolicy (sharded parameters, gradients and optimizer state on the host).")
    var fsdpCPUOffload = false

    @Option(name: .customLong("data-parallel"), help: ArgumentHelp("Data-parallel devices (per-device figures).", valueName: "n"))
    var dataParallel: Int?

    @Option(name: .long, help: ArgumentHelp("ZeRO stage with --data-parallel: 1 shards optimizer state, 2 also gradients, 3 also weights.",
                                            valueName: "stage"))
    var zero: Int?

    @Option(name: .customLong("optimizer-impl"), help: ArgumentHelp("The optimizer step's implementation: auto (PyTorch's choice: foreach on CUDA), foreach, for-loop.",
                                                                   valueName: "impl"))
    var optimizerImpl: String?

    @Option(name: .long, help: ArgumentHelp("""
        For Hugging Face config.json models: auto (the config's attn_implementation, else sdpa), eager (matmul, \
        softmax and dropout as the model writes them) or sdpa (the kernel PyTorch's dispatcher picks for the device, \
        dtype, dropout and mask; docs/memory-model.md).
        """, valueName: "impl"))
    var attention: String?

    @Option(name: .customLong("attention-kernel"), help: ArgumentHelp("Force the SDPA kernel: math, flash, efficient, cudnn.", valueName: "kernel"))
    var attentionKernel: String?

    /// The request body; `extra` adds command-specific keys.
    func body(_ extra: [String: JSONValue] = [:], forServer: Bool) throws -> JSONValue {
        var o = extra
        o["model"] = try ModelArgument.value(model, forServer: forServer)
        if input != nil && seqLen != nil { throw CLIError("--input and --seq-len both set the input; give one") }
        if let input { o["input"] = .string(input) }
        if let seqLen {
            guard seqLen > 0 else { throw CLIError("--seq-len must be a positive integer, got \(seqLen)") }
            o["input"] = .array([.int(seqLen)])
        }
        if let dtype, o["dtype"] == nil { o["dtype"] = .string(dtype) }
        if let optimizer, o["optimizer"] == nil { o["optimizer"] = .string(optimizer) }
        if let runtime { o["runtime"] = .string(runtime) }
        if let gpu { o["gpu"] = .string(gpu) }
        if let method { o["method"] = .string(method) }
        if let checkpoint { o["checkpoint"] = .string(checkpoint) }
        if let microBatch { o["micro-batch"] = .int(microBatch) }
        if !freeze.isEmpty { o["freeze"] = .array(freeze.map { .string($0) }) }
        if let lora { o["lora"] = try Self.loraValue(lora) }
        if let quantizeBase { o["quantize-base"] = .string(quantizeBase) }
        if let computeDType { o["compute-dtype"] = .string(computeDType) }
        if doubleQuant { o["double-quant"] = .bool(true) }
        if let fsdp { o["fsdp"] = .int(fsdp) }
        if let reshardAfterForward { o["reshard-after-forward"] = .string(reshardAfterForward) }
        if let fsdpParamDType { o["fsdp-param-dtype"] = .string(fsdpParamDType) }
        if let fsdpReduceDType { o["fsdp-reduce-dtype"] = .string(fsdpReduceDType) }
        if fsdpCPUOffload { o["fsdp-cpu-offload"] = .bool(true) }
        if let dataParallel { o["data-parallel"] = .int(dataParallel) }
        if let zero { o["zero"] = .int(zero) }
        if let optimizerImpl { o["optimizer-impl"] = .string(optimizerImpl) }
        if let attention { o["attention"] = .string(attention) }
        if let attentionKernel { o["attention-kernel"] = .string(attentionKernel) }
        return .object(o)
    }

    /// `--lora`: key=value text, or the JSON of an adapter_config.json file (sent inline, so a daemon reads no file).
    static func loraValue(_ text: String) throws -> JSONValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("{") { return try JSONValue.parse(Data(t.utf8)) }
        guard !t.contains("="), t.hasSuffix(".json") || FileManager.default.fileExists(atPath: t) else { return .string(text) }
        guard let data = FileManager.default.contents(atPath: t) else {
            throw CLIError("--lora: file '\(t)' could not be read (give a peft adapter_config.json, or r=16,alpha=32,targets=q_proj,v_proj)")
        }
        do {
            return try JSONValue.parse(data)
        } catch {
            throw CLIError("--lora: file '\(t)': \(error)")
        }
    }
}
