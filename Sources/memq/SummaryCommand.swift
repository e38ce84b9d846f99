import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq summary MODEL`: the per-layer table (shapes, parameters, MACs, FLOPs, bytes) with totals, or the model
/// itself as a JSON spec with `--dump`.
struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Per-layer output shapes, parameters, MACs, FLOPs and bytes of a model, with totals.",
        discussion: """
            MACs, FLOPs and bytes are for the whole batch; parameters are not multiplied. FLOPs are given both as \
            2 x MACs and counted op by op (activations, normalisation and pooling included). Output bytes are the \
            forward tensors of each layer, not the memory of a training step.

            Examples:
              memq summary resnet50
              memq summary resnet50 --batch 32 --dtype bf16 --json
              memq summary config/models/tiny_resnet.json --csv --output tiny.csv
              memq summary vgg16 --dump > vgg16.json
            """
    )

    @OptionGroup var model: ModelOptions

    // ArgumentParser shows no default for an option with a transform, so this help says it (elsewhere it appends one).
    @Option(name: .shortAndLong, help: "Samples per step. (default: 1)", transform: ArgumentTransforms.positiveInt)
    var batch: Int = 1

    @Flag(name: .long, help: "Write the model as a JSON spec (every field explicit) instead of the summary.")
    var dump = false

    @Flag(name: .long, help: "Add each layer's bytes saved for the backward pass (where activation checkpointing pays).")
    var memory = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var server: ServerOptions

    func validate() throws {
        if dump && (output.json || output.csv) {
            throw ValidationError("--dump always writes a JSON spec; drop --json/--csv")
        }
    }

    func run() async throws {
        if dump {
            if server.server != nil { throw CLIError("--dump writes the spec locally; drop --server") }
            let graph = try model.source.graph()
            let text = String(decoding: ModelSpec.json(for: graph).serialized(pretty: true), as: UTF8.self)
            try output.write(text + "\n")
            return
        }
        var body: [String: JSONValue] = ["model": try ModelArgument.value(model.model, forServer: server.server != nil),
                                         "batch": .int(batch), "dtype": .string(model.dtype.rawValue)]
        if let input = model.input { body["input"] = .array(input.dims.map { .int($0) }) }
        if memory { body["memory"] = .bool(true) }
        let result = try CommandRunner.run(.summary, body: .object(body), server: server, as: SummaryResult.self) { s, b throws(WireError) in
            try s.summary(b)
        }
        try output.emit(result)
    }
}
