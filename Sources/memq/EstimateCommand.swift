import ArgumentParser
import MemQCore
import MemQReport
import MemQWire
import MemQService
import Foundation

/// `memq estimate MODEL --batch B`: the peak memory of one training step and where every byte goes.
struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Peak memory of one training step (forward, loss, backward, optimizer step), with its breakdown.",
        discussion: """
            The default method simulates the step as PyTorch runs it: what every op saves for backward, when tensors \
            are freed, the optimizer's state and scratch. The breakdown is taken at the moment of the peak: weights, \
            buffers, gradients, optimizer_state, activations, temporary, input, runtime_overhead. Memory is in \
            binary units (1 GiB = 2^30 bytes); --json gives bytes (docs/memory-model.md).

            Examples:
              memq estimate resnet50 --batch 32
              memq estimate resnet50 -b 64 --dtype amp-bf16 --optimizer adamw --gpu a100-40gb
              memq estimate resnet50 -b 64 --runtime pytorch-cuda --gpu a100-40gb --json
              memq estimate gpt2 --input 1024 -b 8 --optimizer adam --checkpoint every:1
              memq estimate vit_b_16 -b 128 --micro-batch 32 --freeze conv_proj --freeze encoder.layers.encoder_layer_0
              memq estimate llama_2_7b --input 2048 -b 1 --dtype mixed-bf16 --optimizer adam --data-parallel 8 --zero 3
              memq estimate path/to/config.json --seq-len 1024 -b 8 --dtype bf16 --optimizer adamw --attention sdpa
              memq estimate config.json --seq-len 512 --attention eager --timeline-csv step.csv   # op by op (docs/transformers.md)
              memq estimate config.json --seq-len 2048 --dtype bf16 --optimizer adamw --lora r=16,alpha=32,targets=q_proj,v_proj
              memq estimate config.json --seq-len 2048 --dtype bf16 --lora adapter_config.json --quantize-base nf4 --compute-dtype bf16
              memq estimate config.json --seq-len 4096 --optimizer adamw --fsdp 8 --fsdp-param-dtype bf16 --checkpoint every:1
            """
    )

    @OptionGroup var training: TrainingOptions

    @Option(name: .shortAndLong, help: "Samples per step.")
    var batch: Int = 1

    @Option(name: .customLong("timeline-csv"), help: ArgumentHelp("Also write the simulated step op by op (live bytes by category after each op) as CSV.", valueName: "file"))
    var timelineCSV: String?

    @Option(name: .long, help: ArgumentHelp("Also write the step as PyTorch's memory snapshot (pickle, protocol 4) for https://pytorch.org/memory_viz.", valueName: "file.pickle"))
    var snapshot: String?

    @Option(name: .long, help: ArgumentHelp("Also write the step as a Chrome trace (JSON) for https://ui.perfetto.dev: phase and op slices, memory counters per category.", valueName: "file.json"))
    var trace: String?

    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be a positive integer, got \(batch)") }
    }

    func run() async throws {
        let body = try training.body(["batch": .int(batch)], forServer: server.server != nil)
        let result = try CommandRunner.run(.estimate, body: body, server: server, as: EstimateResult.self) { s, b throws(WireError) in
            try s.estimate(b)
        }
        try output.emit(result)
        if let timelineCSV {
            guard server.server == nil else { throw CLIError("--timeline-csv runs in process; drop --server") }
            let samples: [StepSample]
            do { samples = try MemQService(allowFiles: true).trace(body) } catch { throw CLIError("\(error)") }
            var text = "seq,phase,node,event,weights,buffers,gradients,optimizer_state,activations,temporary,input,total\n"
            for (k, s) in samples.enumerated() {
                text += "\(k),\(s.phase.rawValue),\(s.node),\(s.event.replacingOccurrences(of: ",", with: ";")),"
                    + s.live.map(String.init).joined(separator: ",") + ",\(s.total)\n"
            }
            do { try text.write(toFile: timelineCSV, atomically: true, encoding: .utf8) } catch { throw CLIError("cannot write '\(timelineCSV)': \(error.localizedDescription)") }
        }
        if snapshot != nil || trace != nil {
            guard server.server == nil else { throw CLIError("--snapshot and --trace run in process; drop --server") }
            let allocations: AllocationTrace
            do { allocations = try MemQService(allowFiles: true).allocationTrace(body).1 } catch { throw CLIError(error.message) }
            if let snapshot {
                try Self.write(PickleWriter.bytes(MemorySnapshot.value(allocations, model: result.model)), to: snapshot)
            }
            if let trace {
                try Self.write(Array(ChromeTrace.json(allocations.samples, model: result.model, batch: result.batch).serialized()), to: trace)
            }
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw CLIError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
