import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq plan MODEL -b B [--gpus a100-80gb,l4] [--prices a100-80gb=3.67,l4=0.8]`: what a scheduler needs per GPU type.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Per GPU type: whether the batch fits, the largest per-GPU batch, the peak and an upper bound, the cheapest type.",
        discussion: """
            For each GPU type of config/devices.json (or --gpus): usable memory (device memory less the CUDA context \
            and the allocator's workspaces), the tensor peak (torch.cuda.max_memory_allocated), an upper bound — the \
            pytorch-cuda profile (caching-allocator segments, context, workspaces) plus --margin for fragmentation — \
            in MiB rounded up, whether the batch fits under it, the largest batch that does, and with --prices the \
            cheapest type that fits. memqd answers the same `plan` body (docs/schedulers.md).

            Examples:
              memq plan resnet50 -b 128 --optimizer adamw
              memq plan config.json --seq-len 4096 -b 4 --dtype bf16 --optimizer adamw --gpus a100-80gb,h100-80gb,l4 --prices a100-80gb=3.67,h100-80gb=6.98,l4=0.80 --json
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: "Samples per GPU per step.")
    var batch: Int = 1

    @Option(name: .long, help: ArgumentHelp("GPU types to plan for (comma-separated). (default: every profile in config/devices.json)", valueName: "list"))
    var gpus: String?

    @Option(name: .long, help: ArgumentHelp("Prices per GPU-hour, NAME=PRICE,... : the cheapest type that fits is named.", valueName: "list"))
    var prices: String?

    @Option(name: .long, help: ArgumentHelp("Fragmentation margin added to the pytorch-cuda profile: 0.05 or 5%. (default: 5%)", valueName: "fraction"))
    var margin: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be a positive integer, got \(batch)") }
    }

    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        if let gpus { extra["gpus"] = .string(gpus) }
        if let margin { extra["margin"] = .string(margin) }
        if let prices {
            var o: [String: JSONValue] = [:]
            for part in prices.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let p = Double(kv[1]) else { throw CLIError("--prices: '\(part)' is not NAME=PRICE (e.g. a100-80gb=3.67)") }
                o[kv[0]] = .double(p)
            }
            extra["prices"] = .object(o)
        }
        let body = try training.body(extra, forServer: server.server != nil)
        let result = try CommandRunner.run(.plan, body: body, server: server, as: PlanResult.self) { s, b throws(WireError) in
            try s.plan(b)
        }
        try output.emit(result)
    }
}
