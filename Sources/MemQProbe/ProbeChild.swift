// The child process of a validation: build the model, train it, measure the resident set phase by phase.
import Dispatch
import Foundation
import Synchronization
import MemQCore
import MemQEngine

/// The measuring side of a validation, run in a fresh process (`memq validate --probe-child`).
///
/// Protocol: the request arrives as JSON on standard input; progress goes to standard error as lines
/// `@progress <fraction> <label>`; the measurement (`ValidationResult.Measured`) is written as JSON on standard
/// output; the exit code is 0 on success. Anything else the child prints on standard error is a diagnostic the
/// parent quotes when the child fails.
package enum ProbeChild {
    /// The hidden argument that makes `memq validate` run this instead of a validation.
    package static let argument = "--probe-child"

    /// Runs the child and returns its exit code (2: unreadable request, 4: unsupported model).
    package static func run() -> Int32 {
        // Malloc settings first: the engine allocator's own mallopt runs once, then ours override it.
        _ = EngineAllocator()
        MallocTuning.apply()
        var input = Data()
        while let chunk = try? ProbeSyscalls.read(0), !chunk.isEmpty { input.append(contentsOf: chunk) }
        guard let request = try? JSONDecoder().decode(ValidationRequest.self, from: input) else {
            diagnostic("probe child: standard input is not a validation request")
            return 2
        }
        if let fault = request.fault { fail(fault) }
        let beforeWarmUp = ResidentMemory.current()
        GraphWarmUp.run()
        progress(0.05, "warm-up done")
        do {
            let measured = try measure(request, warmUpStart: beforeWarmUp)
            let data = try JSONEncoder().encode(measured)
            ProbeSyscalls.writeAll(1, Array(data) + [10])
            return 0
        } catch {
            diagnostic("probe child: \(error)")
            return 4
        }
    }

    /// Builds the model and runs the steps, resetting the kernel's and the allocator's peaks before each phase.
    static func measure(_ request: ValidationRequest, warmUpStart: Int) throws -> ValidationResult.Measured {
        // The graph and its shapes are MemQ's own bookkeeping, not the training step's: made before the baseline.
        let analysis = try ModelAnalysis(try ModelSpec.graph(from: request.spec))
        guard let optimizer = MemQCore.Optimizer(name: request.optimizer) else {
            throw ValidationError.invalidRequest(field: "optimizer", message: "unknown optimizer \(request.optimizer)")
        }
        // Code pages the step would fault in on first use are the program's, not the step's: make them resident.
        ResidentMemory.touchProgramPages()
        // Free heap pages left by the warm-up go back to the OS, so the step cannot reuse them unseen.
        ProbeSyscalls.mallocTrim()
        let baseline = ResidentMemory.current()
        ResidentMemory.resetPeak()
        let allocator = EngineAllocator()
        allocator.resetPeaks()
        var phases: [ValidationResult.Phase] = []
        var clock = DispatchTime.now().uptimeNanoseconds
        /// Closes a phase: its peaks and time, then resets both peaks for the next.
        // The kernel's high-water mark is kept from per-CPU batched counters and can lag the exact resident set by
        // up to 32 pages per CPU; the exact VmRSS sampled after every op bounds the peak from below as well.
        var sampled = 0
        let transient = Mutex(0)
        func close(step: Int, phase: String, loss: Double? = nil) {
            let peak = max(ResidentMemory.peak(), sampled, transient.withLock { value in defer { value = 0 }; return value })
            sampled = 0
            let snapshot = allocator.snapshot()
            let now = DispatchTime.now().uptimeNanoseconds
            var categories: [String: Int] = [:]
            for c in MemoryCategory.allCases { categories[Self.key(c)] = snapshot.peak(c) }
            phases.append(.init(step: step, phase: phase, peakRSSDeltaBytes: peak - baseline,
                                allocatorPeakBytes: snapshot.mappedPeakTotal, allocatorPeaks: categories,
                                seconds: Double(now - clock) / 1e9, loss: loss))
            ResidentMemory.resetPeak()
            allocator.resetPeaks()
            clock = DispatchTime.now().uptimeNanoseconds
        }

        progress(0.06, "build")
        let executor = try GraphExecutor<Float>(analysis: analysis, batch: request.batch, optimizer: optimizer,
                                                allocator: allocator)
        // A kernel's workspace lives only inside the kernel: sample the exact resident set just before it goes.
        allocator.onTemporaryRelease {
            if let rss = ResidentMemory.exact() { transient.withLock { $0 = max($0, rss) } }
        }
        defer { allocator.onTemporaryRelease(nil) }
        executor.afterEachOp = {
            // Small tensors live in malloc's heap, whose freed chunks stay resident; returning them at every op
            // boundary makes the resident set follow the live tensors as the mapped ones do.
            ProbeSyscalls.mallocTrim()
            sampled = max(sampled, ResidentMemory.current())
        }
        close(step: 0, phase: "build")
        let steps = max(1, request.steps)
        for s in 1...steps {
            let base = 0.1 + 0.9 * Double(s - 1) / Double(steps)
            let share = 0.9 / Double(steps)
            progress(base, "forward (step \(s)/\(steps))")
            let loss = executor.forward()
            close(step: s, phase: "forward", loss: Double(loss))
            progress(base + share * 0.4, "backward (step \(s)/\(steps))")
            executor.backward()
            close(step: s, phase: "backward")
            progress(base + share * 0.9, "optimizer step (step \(s)/\(steps))")
            executor.optimizerStep()
            close(step: s, phase: "step")
        }
        var peaks: [String: Int] = [:]
        for c in MemoryCategory.allCases {
            peaks[Self.key(c)] = phases.map { $0.allocatorPeaks[Self.key(c)] ?? 0 }.max() ?? 0
        }
        let delta = phases.map(\.peakRSSDeltaBytes).max() ?? 0
        withExtendedLifetime(executor) {}
        return ValidationResult.Measured(baselineRSSBytes: baseline, warmUpBytes: baseline - warmUpStart,
                                         peakRSSBytes: baseline + delta, peakRSSDeltaBytes: delta,
                                         allocatorPeakBytes: phases.map(\.allocatorPeakBytes).max() ?? 0,
                                         allocatorPeaks: peaks, phases: phases)
    }

    /// The JSON key of a category, as in `Estimate.Breakdown.entries`.
    static func key(_ c: MemoryCategory) -> String {
        switch c {
        case .weights: "weights"
        case .buffers: "buffers"
        case .gradients: "gradients"
        case .optimizerState: "optimizer_state"
        case .activations: "activations"
        case .temporary: "temporary"
        case .input: "input"
        }
    }

    /// Writes a progress line for the parent.
    static func progress(_ fraction: Double, _ label: String) {
        let percent = (fraction * 1000).rounded() / 1000
        ProbeSyscalls.writeAll(2, Array("@progress \(percent) \(label)\n".utf8))
    }

    /// Writes a diagnostic line for the parent.
    static func diagnostic(_ text: String) {
        ProbeSyscalls.writeAll(2, Array((text + "\n").utf8))
    }

    /// Simulates a failure (hidden test option).
    static func fail(_ fault: ChildFault) -> Never {
        switch fault {
        case .crash:
            diagnostic("probe child: crashing on purpose (test fault)")
            fatalError("probe child: simulated crash")
        case .hang:
            diagnostic("probe child: hanging on purpose (test fault)")
            while true { sleep(3600) }
        case .exit:
            diagnostic("probe child: exiting on purpose (test fault)")
            ProbeSyscalls.exitNow(3)
        }
    }
}
