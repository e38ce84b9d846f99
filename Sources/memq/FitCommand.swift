import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq fit MODEL --budget 24GiB | --gpu a100-40gb [--margin 5%]`: the largest batch that fits.
struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "The largest batch whose training-step peak fits a memory budget, less a margin.",
        discussion: """
            The budget is --budget (24GiB = 24 x 2^30 bytes, 24GB = 24 x 10^9 bytes, or raw bytes) or, with --gpu, \
            the GPU's memory. The margin is kept free: 5% or 0.05. Prints the largest batch, its peak and the peak \
            of the next batch (which does not fit), and what dominates. No trial runs: an estimate costs \
            microseconds.

            Examples:
              memq fit resnet50 --gpu a100-40gb --margin 5%
              memq fit resnet50 --budget 24GiB --dtype amp-bf16 --optimizer adamw
              memq fit bert_base --input 512 --gpu v100-16gb --runtime pytorch-cuda --json
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .long, help: ArgumentHelp("Memory available: 24GiB, 24GB, 512MiB or bytes. (default: the --gpu's memory)", valueName: "size"))
    var budget: String?

    @Option(name: .long, help: ArgumentHelp("Part of the budget kept free: 5% or 0.05. (default: 0)", valueName: "fraction"))
    var margin: String?

    @Flag(name: .long, help: "Add the estimated training-step time and samples/s on the --gpu or --device (memq latency --train).")
    var speed = false

    @OptionGroup var latency: LatencyFlags

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func validate() throws {
        if budget == nil && training.gpu == nil {
            throw ValidationError("give a budget: --budget 24GiB, or --gpu NAME to use that GPU's memory")
        }
        if let budget { _ = try ArgumentTransforms.byteCount(budget) }
    }

    func run() async throws {
        var extra: [String: JSONValue] = [:]
        if let budget { extra["budget"] = .string(budget) }
        if let margin { extra["margin"] = .string(margin) }
        if speed { extra["speed"] = .bool(true) }
        latency.add(to: &extra)
        let body = try training.body(extra, forServer: server.server != nil)
        let result = try CommandRunner.run(.fit, body: body, server: server, as: FitResult.self) { s, b throws(WireError) in
            try s.fit(b)
        }
        try output.emit(result)
    }
}
