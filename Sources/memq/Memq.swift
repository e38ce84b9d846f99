import ArgumentParser
import Foundation

/// The `memq` command: the root of every subcommand, and the one place that turns errors into messages and exit codes.
///
/// A new subcommand is one file (`EstimateCommand.swift`) with a type conforming to `ParsableCommand` or
/// `AsyncParsableCommand`, reusing `ModelOptions`, `OutputOptions` and `ServerOptions`, plus one line in
/// `subcommands` below. Its `run()` throws; `main()` prints `memq: error: <message>` and exits non-zero.
@main
struct Memq: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memq",
        abstract: "Predict the accelerator memory of one training step, and count parameters, FLOPs and MACs.",
        discussion: """
            MemQ sizes a network without running it: it infers every tensor's shape from a model graph (a built-in \
            zoo architecture or a JSON spec) and counts parameters, multiply-accumulates (MACs), FLOPs and bytes \
            layer by layer. Its memory model covers what simpler tools forget: gradients, optimizer state, tensors \
            saved for backward and backward temporaries.

            A MODEL is a zoo name (see `memq models`), a path to a JSON spec (docs/model-spec.md; e.g. \
            config/models/lenet.json), or the spec itself inline. Memory is reported in binary units \
            (1 GiB = 2^30 bytes).

            Examples:
              memq models                              list the zoo
              memq models --family resnet --json       one family, as JSON
              memq summary resnet50                    per-layer table, one image
              memq summary resnet50 -b 32 --dtype fp16 a batch of 32 in float16
              memq summary resnet18 --input 3x32x32    a CIFAR-sized input
              memq summary config/models/lenet.json    a JSON spec from disk
              memq summary resnet18 --dump -o r18.json the zoo model as a spec
            """,
        version: "0.1.0",
        subcommands: [
            SummaryCommand.self,
            ModelsCommand.self,
            ValidateCommand.self,
            EstimateCommand.self,
            SweepCommand.self,
            FitCommand.self,
            ReportCommand.self,
            PlanCommand.self,
            ResourcesCommand.self,
            CurveCommand.self,
            AccumulateCommand.self,
            ShardCommand.self,
            ColocateCommand.self,
            ObserveCommand.self,
            ExplainCommand.self,
            LatencyCommand.self,
            CalibrateDeviceCommand.self,
            KeygenCommand.self,
        ]
    )

    /// Parses, runs, and reports errors as `memq: error: <message>` on standard error with a non-zero exit code;
    /// help and `--version` print to standard output and exit 0.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            if !message.isEmpty {
                FileHandle.standardError.write(Data("memq: error: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
