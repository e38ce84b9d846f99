import ArgumentParser
import Foundation
import MemQCore
import MemQReport
import MemQService
import MemQWire

/// `memq report MODEL [training options] --html FILE`: one self-contained HTML page about the step's memory.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report: the step's memory timeline, the layers that keep the most, peak against batch with GPU budgets.",
        discussion: """
            One self-contained file (inline SVG, no scripts, no network): the memory of one training step op by op \
            as a stacked area by category with the peak marked; the breakdown at the peak; the layers by bytes kept \
            for backward (where activation checkpointing pays); the peak against batch size for --dtypes x \
            --optimizers with the memory of every GPU in config/devices.json and the largest batch that fits each; \
            the settings and assumptions. Memory in binary units.

            Examples:
              memq report resnet50 -b 64 --optimizer adamw --html resnet50.html
              memq report config.json --seq-len 2048 -b 4 --dtype bf16 --optimizer adamw --dtypes bf16,fp32 --html llama.html
              memq report gpt2 --seq-len 1024 -b 8 --lora r=16,targets=c_attn --batches 1,2,4..64 --html lora.html
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: "Samples per step (the timeline and breakdown).")
    var batch: Int = 1

    @Option(name: .long, help: ArgumentHelp("Where to write the HTML file.", valueName: "file"))
    var html: String

    @Option(name: .long, help: ArgumentHelp("Batch sizes of the peak-against-batch chart (a..b doubles). (default: powers of two up to twice the largest batch any GPU fits, at least 64)",
                                            valueName: "list"))
    var batches: String?

    @Option(name: .customLong("dtypes"), help: ArgumentHelp("Precision policies of the chart's curves (comma-separated). (default: --dtype)", valueName: "list"))
    var dtypes: String?

    @Option(name: .customLong("optimizers"), help: ArgumentHelp("Optimizers of the chart's curves (comma-separated). (default: --optimizer)", valueName: "list"))
    var optimizers: String?

    @OptionGroup var server: ServerOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be a positive integer, got \(batch)") }
    }

    func run() async throws {
        var extra: [String: JSONValue] = ["batch": .int(batch)]
        if let batches { extra["batches"] = .string(batches) }
        if let dtypes { extra["dtypes"] = .string(dtypes) }
        if let optimizers { extra["optimizers"] = .string(optimizers) }
        let body = try training.body(extra, forServer: server.server != nil)
        let page: String
        if let client = try server.client() {
            defer { client.close() }
            let reply: WireReply
            do { reply = try client.request(.report, body: body) } catch { throw CLIError("\(error)") }
            if let error = reply.error { throw CLIError(error.message) }
            guard case .string(let h)? = reply.body["html"] else { throw CLIError("memqd's reply to report has no 'html'") }
            page = h
        } else {
            do { page = try MemQService(allowFiles: true).report(body).html() } catch { throw CLIError(error.message) }
        }
        do {
            try page.write(toFile: html, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError("cannot write '\(html)': \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("memq: wrote \(html) (\(ByteCount(page.utf8.count).formatted()))\n".utf8))
    }
}
