// The parent side of a validation: estimate, refuse if it cannot fit, run the child under a time limit, compare.
import Dispatch
import Foundation
import MemQCore
import MemQEngine

/// Validation by measurement: one real training step of a graph, natively on the CPU, in a fresh child process,
/// its peak resident memory compared with MemQ's estimate under the `native` runtime profile.
package enum Validation {
    /// Runs a validation and returns its result; a child that crashes, is killed or overruns the time limit gives a
    /// failed result with the reason (never a hang).
    ///
    /// - Parameters:
    ///   - request: the model, batch, optimizer, steps, tolerance and limits.
    ///   - launcher: how to start the child (default: this executable as `memq validate --probe-child`).
    ///   - progress: called with the fraction done (0...1) and the phase, from this thread.
    ///   - isCancelled: polled every 100 ms; once true the child is killed and `ValidationError.cancelled` thrown.
    /// - Throws: `ValidationError` for an invalid or unsupported request, a refusal (estimate above available
    ///   memory less the margin), cancellation, or a child that could not be started.
    package static func run(_ request: ValidationRequest, launcher: ProbeLauncher = .currentMemq,
                            progress: (Double, String) -> Void = { _, _ in },
                            isCancelled: () -> Bool = { false }) throws(ValidationError) -> ValidationResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let (analysis, optimizer) = try prepare(request)
        let estimate: Estimate
        do {
            estimate = try Estimator.estimate(analysis, TrainingConfig(batch: request.batch, optimizer: optimizer, runtime: .native))
        } catch {
            throw .invalidRequest(field: "batch", message: "\(error)")
        }
        if let available = ResidentMemory.available(), estimate.peakBytes > available - request.marginBytes {
            throw .insufficientMemory(estimate: estimate.peakBytes, available: available, margin: request.marginBytes)
        }
        progress(0.01, "estimate \(ByteFormat.binary(estimate.peakBytes)) (native)")
        var result = ValidationResult(
            model: request.model, input: analysis.inputShape.description, batch: request.batch, optimizer: optimizer.rawValue,
            steps: request.steps, runtime: RuntimeKind.native.rawValue, estimate: figures(estimate), measured: nil,
            error: nil, tolerance: request.tolerance, pass: false, failure: nil, seconds: 0)
        let outcome = try runChild(request, launcher: launcher, progress: progress, isCancelled: isCancelled)
        switch outcome {
        case .measured(let measured):
            result.measured = measured
            let delta = Double(measured.peakRSSDeltaBytes)
            if delta > 0 {
                let error = (Double(estimate.peakBytes) - delta) / delta
                result.error = error
                result.pass = abs(error) <= request.tolerance
            } else {
                result.failure = "the resident set did not grow (is /proc/self/status readable?)"
            }
        case .failed(let reason):
            result.failure = reason
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        progress(1, result.pass ? "done: pass" : "done: fail")
        return result
    }

    /// Parses and checks the request: the graph, the optimizer, the batch, and the engine's support.
    static func prepare(_ request: ValidationRequest) throws(ValidationError) -> (ModelAnalysis, MemQCore.Optimizer) {
        guard request.batch > 0 else { throw .invalidRequest(field: "batch", message: "must be a positive number of samples, got \(request.batch)") }
        try ValidationRequest.check(steps: request.steps)
        try ValidationRequest.check(tolerance: request.tolerance)
        guard request.timeoutSeconds > 0 else { throw .invalidRequest(field: "timeout", message: "must be a positive number of seconds") }
        guard let optimizer = MemQCore.Optimizer(name: request.optimizer) else {
            throw .invalidRequest(field: "optimizer", message: "unknown optimizer '\(request.optimizer)'; valid: \(MemQCore.Optimizer.validNames)")
        }
        guard !optimizer.isBitsAndBytes else {
            throw .invalidRequest(field: "optimizer", message: "the native engine has no bitsandbytes optimizer ('\(optimizer.rawValue)'); validate with a torch optimizer such as adamw")
        }
        let analysis: ModelAnalysis
        do {
            analysis = try ModelAnalysis(try ModelSpec.graph(from: request.spec))
        } catch {
            throw .invalidRequest(field: "model", message: "\(error)")
        }
        do {
            try GraphExecutor<Float>.checkSupported(analysis)
        } catch {
            throw .unsupported(error)
        }
        return (analysis, optimizer)
    }

    /// The estimate's figures for the report.
    static func figures(_ e: Estimate) -> ValidationResult.EstimateFigures {
        var breakdown: [String: Int] = [:]
        for entry in e.breakdown.entries { breakdown[entry.key] = entry.bytes }
        return .init(peakBytes: e.peakBytes, peakPhase: e.peakAt.phase.rawValue, peakNode: e.peakAt.node,
                     peakEvent: e.peakAt.event, breakdown: breakdown)
    }

    /// How a child ended.
    enum ChildOutcome {
        case measured(ValidationResult.Measured)
        case failed(String)
    }

    /// Starts the child, feeds it the request, relays its progress, enforces the time limit and cancellation.
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func runChild(_ request: ValidationRequest, launcher: ProbeLauncher, progress: (Double, String) -> Void,
                         isCancelled: () -> Bool) throws(ValidationError) -> ChildOutcome {
        let requestBytes: [UInt8]
        do { requestBytes = Array(try JSONEncoder().encode(request)) } catch {
            throw .invalidRequest(field: "model", message: "cannot encode the request: \(error)")
        }
        let stdin, stdout, stderr: (read: Int32, write: Int32)
        let pid: pid_t
        do {
            stdin = try ProbeSyscalls.pipe()
            stdout = try ProbeSyscalls.pipe()
            stderr = try ProbeSyscalls.pipe()
            var environment = ProbeSyscalls.environment().filter { !$0.hasPrefix("MALLOC_ARENA_MAX=") }
            environment.append("MALLOC_ARENA_MAX=1")
            pid = try ProbeSyscalls.spawn(path: launcher.executable, arguments: launcher.arguments, environment: environment,
                                          stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        } catch {
            throw .system(error)
        }
        ProbeSyscalls.close(stdin.read); ProbeSyscalls.close(stdout.write); ProbeSyscalls.close(stderr.write)
        ProbeSyscalls.setNonBlocking(stdin.write)
        ProbeSyscalls.setNonBlocking(stdout.read)
        ProbeSyscalls.setNonBlocking(stderr.read)
        var inputFD = stdin.write, outputFD = stdout.read, errorFD = stderr.read
        defer { ProbeSyscalls.close(inputFD); ProbeSyscalls.close(outputFD); ProbeSyscalls.close(errorFD) }

        var written = 0
        var output: [UInt8] = []
        var pendingLine: [UInt8] = []
        var diagnostics: [String] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(request.timeoutSeconds * 1e9)
        var killedFor: String? = nil
        var status: Int32? = nil

        while status == nil {
            if isCancelled() {
                ProbeSyscalls.killHard(pid)
                _ = ProbeSyscalls.wait(pid)
                throw .cancelled
            }
            if DispatchTime.now().uptimeNanoseconds > deadline {
                ProbeSyscalls.killHard(pid)
                killedFor = "timed out after \(request.timeoutSeconds) s (the child was killed)"
                status = ProbeSyscalls.wait(pid)
                break
            }
            if let s = ProbeSyscalls.tryWait(pid) {
                // The child has exited: take what is left in the pipes (another process may hold their write ends).
                status = s
                if outputFD >= 0 { while let bytes = try? ProbeSyscalls.read(outputFD), !bytes.isEmpty { output += bytes } }
                if errorFD >= 0, let bytes = try? ProbeSyscalls.read(errorFD) { pendingLine += bytes + [10] }
                for line in String(decoding: pendingLine, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("@progress") {
                    diagnostics.append(String(line))
                }
                break
            }
            var watched: [(fd: Int32, events: Int16)] = []
            if inputFD >= 0 { watched.append((inputFD, Int16(POLLOUT))) }
            if outputFD >= 0 { watched.append((outputFD, Int16(POLLIN))) }
            if errorFD >= 0 { watched.append((errorFD, Int16(POLLIN))) }
            if watched.isEmpty {
                // Both pipes closed: the child is exiting.
                if let s = ProbeSyscalls.tryWait(pid) { status = s } else { usleep(10_000) }
                continue
            }
            let events: [Int16]
            do { events = try ProbeSyscalls.poll(watched, milliseconds: 100) } catch {
                ProbeSyscalls.killHard(pid)
                _ = ProbeSyscalls.wait(pid)
                throw .system(error)
            }
            for (k, item) in watched.enumerated() where events[k] != 0 {
                if item.fd == inputFD {
                    let n = (try? ProbeSyscalls.write(inputFD, requestBytes[written...])) ?? requestBytes.count
                    written += n
                    if written >= requestBytes.count || events[k] & Int16(POLLERR | POLLHUP) != 0 {
                        ProbeSyscalls.close(inputFD); inputFD = -1
                    }
                } else {
                    let chunk: [UInt8]?
                    do { chunk = try ProbeSyscalls.read(item.fd) } catch { chunk = [] }
                    guard let bytes = chunk else { continue }
                    if bytes.isEmpty {
                        ProbeSyscalls.close(item.fd)
                        if item.fd == outputFD { outputFD = -1 } else { errorFD = -1 }
                        continue
                    }
                    if item.fd == outputFD {
                        output += bytes
                    } else {
                        pendingLine += bytes
                        while let newline = pendingLine.firstIndex(of: 10) {
                            let line = String(decoding: pendingLine[..<newline], as: UTF8.self)
                            pendingLine.removeSubrange(...newline)
                            if line.hasPrefix("@progress ") {
                                let parts = line.dropFirst("@progress ".count).split(separator: " ", maxSplits: 1)
                                if parts.count == 2, let fraction = Double(parts[0]) { progress(fraction, String(parts[1])) }
                            } else if !line.isEmpty {
                                diagnostics.append(line)
                                if diagnostics.count > 20 { diagnostics.removeFirst() }
                            }
                        }
                    }
                }
            }
        }
        let raw = status ?? 0
        let signal = raw & 0x7f
        let code = (raw >> 8) & 0xff
        let detail = diagnostics.suffix(3).joined(separator: " | ")
        if let killedFor { return .failed(killedFor) }
        if signal != 0 {
            let name = signal == SIGKILL ? "SIGKILL, e.g. the out-of-memory killer" : signal == SIGSEGV ? "SIGSEGV"
                : signal == SIGILL ? "SIGILL, a trap" : signal == SIGTRAP ? "SIGTRAP, a trap" : signal == SIGABRT ? "SIGABRT" : "signal \(signal)"
            return .failed("the child crashed or was killed (\(name))" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        if code != 0 {
            return .failed("the child exited with code \(code)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        guard let measured = try? JSONDecoder().decode(ValidationResult.Measured.self, from: Data(output)) else {
            return .failed("the child's report is not valid JSON" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        return .measured(measured)
    }
}
