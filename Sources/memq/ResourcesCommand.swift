import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq resources MODEL -b B --gpu l4 [--gpus 2]`: the GPU request in each scheduler's own resource names.
struct ResourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "Render the job's GPU memory request for HAMi, Volcano vGPU, KAI, Aliyun gpushare and Slurm, rounded up.",
        discussion: """
            The memory is plan's upper bound on --gpu (the pytorch-cuda profile plus --margin), in MiB (HAMi, Volcano, \
            KAI) or GiB (Aliyun) rounded up, never down: a request below the real peak gets the job killed. Slurm \
            cannot request GPU memory: its fragment names the GPU type. Names and units: docs/schedulers.md.

            Examples:
              memq resources resnet50 -b 64 --optimizer adamw --gpu l4
              memq resources config.json --seq-len 2048 -b 2 --dtype bf16 --gpu a100-80gb --gpus 4 --schedulers hami,volcano --json
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: "Samples per GPU per step.")
    var batch: Int = 1

    @Option(name: .long, help: ArgumentHelp("GPUs per job. (default: 1)", valueName: "n"))
    var gpus: Int?

    @Option(name: .long, help: ArgumentHelp("Schedulers to render (comma-separated): hami, volcano, kai, aliyun, slurm. (default: all)", valueName: "list"))
    var schedulers: String?

    @Option(name: .long, help: ArgumentHelp("Fragmentation margin added to the pytorch-cuda profile: 0.05 or 5%. (default: 5%)", valueName: "fraction"))
    var margin: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        if let gpus { extra["gpus"] = .int(gpus) }
        if let schedulers { extra["schedulers"] = .string(schedulers) }
        if let margin { extra["margin"] = .string(margin) }
        let body = try training.body(extra, forServer: server.server != nil)
        let result = try CommandRunner.run(.resources, body: body, server: server, as: ResourcesResult.self) { s, b throws(WireError) in
            try s.resources(b)
        }
        try output.emit(result)
    }
}
