import ArgumentParser
import MemQClient
import MemQWire
import MemQReport
import Foundation
import MemQCore
import MemQProbe
import MemQZoo

/// `memq validate MODEL`: trains the model natively for a few steps in a child process and compares its peak
/// resident memory with the estimate under the `native` runtime profile.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Measure one real training step natively on the CPU and compare its peak memory with the estimate.",
        discussion: """
            A fresh child process builds the model, runs --steps training steps (forward, softmax cross-entropy \
            over the logits with random labels, backward, optimizer step) on random data and reads its peak \
            resident set (VmHWM) per phase; the peak less the resident set before the model existed is compared \
            with the estimate under the `native` runtime profile (docs/validation.md). A run whose estimate exceeds \
            the available memory less a margin is refused; a child that crashes, is killed or overruns --timeout is \
            a failed validation.

            Examples:
              memq validate lenet5 --batch 16
              memq validate resnet18 --batch 4 --optimizer adam --json
              memq validate vgg11 --input 3x64x64 --tolerance 5%
            """
    )

    @Argument(help: ArgumentHelp("A zoo name, a JSON spec file, or a spec inline.", valueName: "model"))
    var model: String?

    @Option(name: .shortAndLong, help: "Samples per step.", transform: ArgumentTransforms.positiveInt)
    var batch: Int = 1

    @Option(name: .long, help: ArgumentHelp("The optimizer: \(MemQCore.Optimizer.validNames).", valueName: "optimizer"))
    var optimizer: String = "sgd"

    @Option(name: .long, help: "Training steps to run, 2 to 100 (the estimate describes the second and later).")
    var steps: Int = 3

    @Option(name: .long, help: ArgumentHelp("Largest accepted |estimate - measured| / measured: 3% or 0.03.", valueName: "fraction"))
    var tolerance: String = "3%"

    @Option(name: .customLong("input"), help: ArgumentHelp("One sample's input shape without the batch.", valueName: "CxHxW"),
            transform: ArgumentTransforms.shape)
    var inputShape: TensorShape?

    @Option(name: .customLong("seq-len"), help: ArgumentHelp("For token models: the sequence length; the same as --input N.", valueName: "n"),
            transform: ArgumentTransforms.positiveInt)
    var seqLen: Int?

    /// `--input`, or `--seq-len` for token models.
    var input: TensorShape? { inputShape ?? seqLen.map { TensorShape([$0]) } }

    @Option(name: .long, help: ArgumentHelp("Kill the child after this many seconds.", valueName: "seconds"))
    var timeout: Double = 600

    @Flag(name: .long, help: "Write the result as JSON.")
    var json = false

    @OptionGroup var server: ServerOptions

    @Flag(name: .customLong("probe-child"), help: .hidden)
    var probeChild = false

    @Option(name: .customLong("fault"), help: .hidden)
    var fault: String?

    @Flag(name: .customLong("bench-engine"), help: .hidden)
    var benchEngine = false

    func validate() throws {
        if !probeChild && model == nil { throw ValidationError("missing the model: a zoo name, a spec file or an inline spec") }
        if inputShape != nil && seqLen != nil { throw ValidationError("--input and --seq-len both set the input; give one") }
        if fault != nil && ChildFault(rawValue: fault ?? "") == nil { throw ValidationError("--fault: crash, hang or exit") }
        // memqd checks the same rules (`ValidationRequest`), so --server refuses what this refuses.
        do {
            try ValidationRequest.check(steps: steps)
            _ = try ValidationRequest.tolerance(parsing: tolerance)
        } catch {
            throw ValidationError("--\(error)")
        }
    }

    func run() throws {
        if probeChild { Foundation.exit(ProbeChild.run()) }
        let graph = try ModelSource(model ?? "", input: input).graph()
        guard let kind = MemQCore.Optimizer(name: optimizer) else {
            throw CLIError("--optimizer: unknown '\(optimizer)'; valid: \(MemQCore.Optimizer.validNames)")
        }
        if benchEngine {
            let b = try EngineBenchmark.run(try ModelAnalysis(graph), batch: batch, optimizer: kind, steps: steps)
            print(String(decoding: try JSONEncoder().encode(b), as: UTF8.self))
            return
        }
        if server.server != nil {
            try runOnServer()
            return
        }
        let request = ValidationRequest(model: model ?? "", graph: graph, batch: batch, optimizer: kind, steps: steps,
                                        tolerance: try ValidationRequest.tolerance(parsing: tolerance), timeoutSeconds: timeout,
                                        fault: fault.flatMap(ChildFault.init(rawValue:)))
        let quiet = json
        let result: ValidationResult
        do {
            result = try Validation.run(request, progress: { fraction, label in
                if !quiet { FileHandle.standardError.write(Data("[\(Int(fraction * 100))%] \(label)\n".utf8)) }
            })
        } catch {
            throw CLIError("\(error)")
        }
        try emit(result)
    }

    /// Prints a result the same way whether it ran here or on memqd.
    private func emit(_ result: ValidationResult) throws {
        if json {
            print(ResultJSON.encode(result))
        } else {
            print(result.text)
        }
        if !result.pass { throw ExitCode(1) }
    }

    /// Submits the job to memqd (`validate` answers 202 with a job id), follows its progress with `job`, and prints
    /// the result it ends with.
    private func runOnServer() throws {
        guard let client = try server.client() else { return }
        defer { client.close() }
        var body: [String: JSONValue] = ["model": try ModelArgument.value(model ?? "", forServer: true), "batch": .int(batch),
                                         "optimizer": .string(optimizer), "steps": .int(steps),
                                         "tolerance": .string(tolerance), "timeout": .int(Int(timeout.rounded(.up)))]
        if let input { body["input"] = .array(input.dims.map { .int($0) }) }
        func call(_ command: WireCommand, _ body: JSONValue) throws -> WireReply {
            do { return try client.request(command, body: body) } catch { throw CLIError("\(error)") }
        }
        let submitted = try call(.validate, .object(body))
        if let error = submitted.error { throw CLIError(error.message) }
        guard case .string(let job)? = submitted.body["job"] else { throw CLIError("memqd did not return a job id") }
        var lastPhase = ""
        while true {
            let reply = try call(.job, ["job": .string(job)])
            if let error = reply.error { throw CLIError(error.message) }
            if case .string(let phase)? = reply.body["phase"], phase != lastPhase, !json {
                var percent = 0
                if case .double(let f)? = reply.body["progress"] { percent = Int(f * 100) } else if case .int(let i)? = reply.body["progress"] { percent = i * 100 }
                FileHandle.standardError.write(Data("[\(percent)%] \(phase)\n".utf8))
                lastPhase = phase
            }
            if let result = reply.body["result"] {
                do {
                    try emit(try ResultJSON.decode(ValidationResult.self, from: result.serialized()))
                } catch let error as CLIError {
                    throw error
                } catch let exit as ExitCode {
                    throw exit
                } catch {
                    throw CLIError("memqd's validation result could not be read: \(error)")
                }
                return
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }
}
