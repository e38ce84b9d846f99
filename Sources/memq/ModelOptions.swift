import ArgumentParser
import MemQCore
import MemQZoo

/// The model a command works on: `MODEL [--input CxHxW] [--dtype fp32]`. Shared by every command that sizes a model.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "A zoo name (memq models), a JSON spec file (docs/model-spec.md), or a spec inline as JSON.",
        valueName: "model"))
    var model: String

    @Option(name: .customLong("input"),
            help: ArgumentHelp("One sample's input shape without the batch, replacing the model's default.",
                               valueName: "CxHxW"),
            transform: ArgumentTransforms.shape)
    var inputShape: TensorShape?

    @Option(name: .customLong("seq-len"), help: ArgumentHelp("For token models (BERT, GPT-2, LLaMA): the sequence length; the same as --input N.",
                                                            valueName: "n"), transform: ArgumentTransforms.positiveInt)
    var seqLen: Int?

    /// The input override: `--input`, or `--seq-len` for token models.
    var input: TensorShape? { inputShape ?? seqLen.map { TensorShape([$0]) } }

    func validate() throws {
        if inputShape != nil && seqLen != nil { throw ValidationError("--input and --seq-len both set the input; give one") }
    }

    @Option(name: .long,
            help: ArgumentHelp("Element type of parameters and activations: fp32, fp16, bf16, fp64. (default: fp32)", valueName: "dtype"),
            transform: ArgumentTransforms.dtype)
    var dtype: DType = .float32

    /// The model reference with the input override, to resolve (`ModelSource.analysis()`, `.graph()`).
    var source: ModelSource { ModelSource(model, input: input) }
}
