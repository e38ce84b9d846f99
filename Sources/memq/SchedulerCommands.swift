import ArgumentParser
import Foundation
import MemQCore
import MemQReport
import MemQService
import MemQStore
import MemQWire

/// Runs a scheduler query in process or against memqd, and prints it.
private func runScheduler(_ command: WireCommand, _ body: JSONValue, _ server: ServerOptions, _ output: OutputOptions,
                          _ embedded: (MemQService, JSONValue) throws(WireError) -> SchedulerResult) throws {
    let result = try CommandRunner.run(command, body: body, server: server, as: SchedulerResult.self, embedded: embedded)
    try output.emit(result)
}

/// `memq curve MODEL [--max-batch N]`: peak against batch as linear pieces.
struct CurveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "Peak memory against batch as fixed + per-sample x batch pieces with their breakpoints.",
        discussion: """
            A scheduler evaluates any batch from the pieces without asking again. Exact tensor bytes for the pytorch \
            runtime; with --gpu, add the stated allowance for CUDA's 512-byte rounding. Example:
              memq curve resnet50 --optimizer adamw --max-batch 1024 --json
            """)
    @OptionGroup var training: TrainingOptions
    @Option(name: .customLong("max-batch"), help: "The largest batch covered. (default: 4096)") var maxBatch: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        var extra: [String: JSONValue] = [:]
        if let maxBatch { extra["max-batch"] = .int(maxBatch) }
        try runScheduler(.curve, try training.body(extra, forServer: server.server != nil), server, output) { s, b throws(WireError) in try s.curve(b) }
    }
}

/// `memq accumulate MODEL --global-batch G --gpus N --gpu TYPE`.
struct AccumulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accumulate",
        abstract: "A global batch on N GPUs: per-GPU micro-batch, accumulation steps and AdaptDL-style local_bsz_bounds.",
        discussion: """
            Example:
              memq accumulate gpt2 --seq-len 1024 --optimizer adamw --global-batch 512 --gpus 8 --gpu a100-40gb
            """)
    @OptionGroup var training: TrainingOptions
    @Option(name: .customLong("global-batch"), help: "Samples per optimizer step over all GPUs.") var globalBatch: Int
    @Option(name: .long, help: "GPUs. (default: 1)") var gpus: Int?
    @Option(name: .long, help: ArgumentHelp("Fragmentation margin: 0.05 or 5%. (default: 5%)", valueName: "fraction")) var margin: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        var extra: [String: JSONValue] = ["global-batch": .int(globalBatch)]
        if let gpus { extra["gpus"] = .int(gpus) }
        if let margin { extra["margin"] = .string(margin) }
        try runScheduler(.accumulate, try training.body(extra, forServer: server.server != nil), server, output) { s, b throws(WireError) in try s.accumulate(b) }
    }
}

/// `memq shard MODEL -b B --gpu TYPE`: fewest GPUs per ZeRO stage and FSDP2.
struct ShardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "For a model that does not fit one GPU: the fewest GPUs under ZeRO-1, -2, -3 and FSDP2.",
        discussion: """
            Example:
              memq shard llama_2_7b --input 2048 --dtype bf16 --optimizer adamw --gpu a100-40gb
            """)
    @OptionGroup var training: TrainingOptions
    @Option(name: .shortAndLong, help: "Samples per GPU per step.") var batch: Int = 1
    @Option(name: .customLong("max-gpus"), help: "The most GPUs tried. (default: 1024)") var maxGPUs: Int?
    @Option(name: .long, help: ArgumentHelp("Fragmentation margin: 0.05 or 5%. (default: 5%)", valueName: "fraction")) var margin: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        if let maxGPUs { extra["max-gpus"] = .int(maxGPUs) }
        if let margin { extra["margin"] = .string(margin) }
        try runScheduler(.shard, try training.body(extra, forServer: server.server != nil), server, output) { s, b throws(WireError) in try s.shard(b) }
    }
}

/// `memq colocate --gpu TYPE --job JSON --job JSON`.
struct ColocateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "colocate",
        abstract: "Can two jobs share one GPU: the sum of their peaks and their step timelines laid over each other.",
        discussion: """
            Each --job is a request body as memqd takes it. Example:
              memq colocate --gpu l4 --job '{"model": "resnet18", "batch": 32}' --job '{"model": "mobilenet_v2", "batch": 64, "optimizer": "adamw"}'
            """)
    @Option(name: .long, help: "The shared GPU type.") var gpu: String
    @Option(name: .long, help: ArgumentHelp("A job's request body (JSON); give two.", valueName: "json")) var job: [String]
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        guard job.count == 2 else { throw CLIError("--job must be given twice (two jobs), got \(job.count)") }
        let jobs = try job.map { text -> JSONValue in
            do { return try JSONValue.parse(Data(text.utf8)) } catch { throw CLIError("--job '\(text.prefix(80))': \(error)") }
        }
        let body: JSONValue = ["gpu": .string(gpu), "jobs": .array(jobs)]
        try runScheduler(.colocate, body, server, output) { s, b throws(WireError) in try s.colocate(b) }
    }
}

/// Opens `--observations-db` for an embedded query.
private func store(_ path: String?) throws -> ObservationStore? {
    guard let path else { return nil }
    do { return try ObservationStore(path: path) } catch { throw CLIError("\(error)") }
}

/// `memq observe MODEL -b B --gpu TYPE --measured-bytes 21.3GiB | --oom`.
struct ObserveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Report a measured peak (or an OOM) for a configuration; later answers for that model and GPU widen their margin.",
        discussion: """
            Stored in SQLite: memqd's --observations-db, or --observations-db here when run without --server. Example:
              memq observe resnet50 -b 256 --optimizer adamw --gpu l4 --oom --server tcp://127.0.0.1:5555
              memq observe gpt2 --seq-len 1024 -b 8 --gpu a100-40gb --measured-bytes 31.2GiB --observations-db obs.sqlite
            """)
    @OptionGroup var training: TrainingOptions
    @Option(name: .shortAndLong, help: "Samples per GPU per step.") var batch: Int = 1
    @Option(name: .customLong("measured-bytes"), help: ArgumentHelp("The measured peak: bytes, 24GiB or 24GB.", valueName: "size")) var measuredBytes: String?
    @Flag(help: "The job ran out of memory.") var oom = false
    @Option(name: .customLong("observations-db"), help: ArgumentHelp("The SQLite file (without --server).", valueName: "file")) var observationsDB: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        if let measuredBytes { extra["measured-bytes"] = .string(measuredBytes) }
        if oom { extra["oom"] = .bool(true) }
        let body = try training.body(extra, forServer: server.server != nil)
        let db = try store(observationsDB)
        let result = try CommandRunner.run(.observe, body: body, server: server, as: SchedulerResult.self) { _, b throws(WireError) in
            try MemQService(allowFiles: true, observations: db).observe(b)
        }
        try output.emit(result)
    }
}

/// `memq explain MODEL [training options]`: what an answer rests on.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "The assumptions behind an answer: runtime profile, rounding, GPU profile, kernels, sharding, observations used.",
        discussion: """
            Example:
              memq explain config.json --seq-len 2048 -b 4 --dtype bf16 --gpu a100-80gb --runtime pytorch-cuda
            """)
    @OptionGroup var training: TrainingOptions
    @Option(name: .shortAndLong, help: "Samples per step.") var batch: Int = 1
    @Option(name: .customLong("observations-db"), help: ArgumentHelp("The SQLite file (without --server).", valueName: "file")) var observationsDB: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
    func run() async throws {
        let body = try training.body(["batch": .int(batch)], forServer: server.server != nil)
        let db = try store(observationsDB)
        let result = try CommandRunner.run(.explain, body: body, server: server, as: SchedulerResult.self) { _, b throws(WireError) in
            try MemQService(allowFiles: true, observations: db).explain(b)
        }
        try output.emit(result)
    }
}
