import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq sweep MODEL --batch 1,2,4..512 --dtype fp32,bf16 --optimizer sgd,adam`: the grid of peaks.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Peak memory over a grid of batch sizes, dtypes and optimizers.",
        discussion: """
            Lists are comma-separated; a..b doubles from a to b, so 1,2,4..512 is 1, 2, 4, 8, ..., 512. With --gpu \
            each row says whether it fits the GPU's memory. --json prints {"rows": [estimate, ...]}.

            Examples:
              memq sweep resnet50 --batch 1,2,4..512 --dtype fp32,bf16 --optimizer sgd,adam
              memq sweep vit_b_16 --batch 8..256 --dtype amp-bf16 --optimizer adamw --gpu a100-80gb --csv
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Batch sizes: a list with a..b doubling ranges.", valueName: "list"))
    var batch: String = "1,2,4..256"

    @Option(name: .customLong("dtypes"), help: ArgumentHelp("Precision policies to sweep (comma-separated); overrides --dtype.", valueName: "list"))
    var dtypes: String?

    @Option(name: .customLong("optimizers"), help: ArgumentHelp("Optimizers to sweep (comma-separated); overrides --optimizer.", valueName: "list"))
    var optimizers: String?

    @Flag(name: .long, help: "Add the estimated training-step time and samples/s on the --gpu or --device (memq latency --train).")
    var speed = false

    @OptionGroup var latency: LatencyFlags

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .string(batch)]
        if let d = dtypes ?? training.dtype { extra["dtype"] = .string(d) }
        if let o = optimizers ?? training.optimizer { extra["optimizer"] = .string(o) }
        if speed { extra["speed"] = .bool(true) }
        latency.add(to: &extra)
        let body = try training.body(extra, forServer: server.server != nil)
        let result = try CommandRunner.run(.sweep, body: body, server: server, as: SweepResult.self) { s, b throws(WireError) in
            try s.sweep(b)
        }
        try output.emit(result)
    }
}
