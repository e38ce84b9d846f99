// Validation in a child process: a measured run agrees with the estimate; a failing child is a failed result.
import Foundation
import MemQCore
import MemQProbe
import MemQZoo
import Testing

/// The `memq` binary SwiftPM built next to this test bundle (the probe's child is `memq validate --probe-child`).
private let memq: ProbeLauncher? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("memq").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return .memq(at: candidate) }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}()

@Suite(.serialized) struct ValidationTests {
    /// LeNet-5 at batch 256 with Adam (about 16 MiB): the measured peak RSS delta is within 3% of the estimate.
    /// (Below a few MiB the process's own ~0.2 MiB of bookkeeping exceeds 3%: docs/validation.md.)
    @Test func smallModelMeasuresWithinTolerance() throws {
        let launcher = try #require(memq, "memq must be built next to the tests (swift build)")
        let graph = try #require(Zoo.entry(named: "lenet5")).graph()
        let request = ValidationRequest(model: "lenet5", graph: graph, batch: 256, optimizer: .adam, steps: 3,
                                        tolerance: 0.03, timeoutSeconds: 120)
        var phases: [String] = []
        let result = try Validation.run(request, launcher: launcher, progress: { _, label in phases.append(label) })
        let measured = try #require(result.measured, "\(result.failure ?? "")")
        #expect(measured.peakRSSDeltaBytes > 1 << 20)
        #expect(measured.phases.count == 1 + 3 * 3)
        #expect(phases.contains { $0.hasPrefix("backward (step 2/3)") })
        let error = try #require(result.error)
        #expect(abs(error) <= 0.03, "estimate \(result.estimate.peakBytes), measured \(measured.peakRSSDeltaBytes)")
        #expect(result.pass)
    }

    /// A child that crashes, exits without a report, or hangs past the time limit is a failed validation with the
    /// reason, and the call returns.
    @Test(arguments: [ChildFault.crash, .exit, .hang])
    func childFailureIsReported(fault: ChildFault) throws {
        let launcher = try #require(memq)
        let graph = try #require(Zoo.entry(named: "lenet5")).graph()
        let request = ValidationRequest(model: "lenet5", graph: graph, batch: 1, optimizer: .sgd, steps: 2,
                                        timeoutSeconds: fault == .hang ? 1.5 : 60, fault: fault)
        let start = Date()
        let result = try Validation.run(request, launcher: launcher)
        #expect(!result.pass)
        #expect(result.measured == nil)
        let reason = try #require(result.failure)
        switch fault {
        case .crash: #expect(reason.contains("crashed"), "\(reason)")
        case .exit: #expect(reason.contains("exited with code 3"), "\(reason)")
        case .hang: #expect(reason.contains("timed out"), "\(reason)")
        }
        #expect(Date().timeIntervalSince(start) < 30)
    }

    /// A run whose estimate does not fit the available memory less the margin is refused before it starts.
    @Test func runBeyondAvailableMemoryIsRefused() throws {
        let graph = try #require(Zoo.entry(named: "lenet5")).graph()
        let request = ValidationRequest(model: "lenet5", graph: graph, batch: 1, optimizer: .sgd, marginBytes: Int.max / 4)
        #expect {
            _ = try Validation.run(request, launcher: .memq(at: "/nonexistent"))
        } throws: { error in
            guard case ValidationError.insufficientMemory = error else { return false }
            return "\(error)".contains("refusing")
        }
    }

    /// Steps and tolerance follow the rules memq validate and memqd check (`ValidationRequest.check`): one step, or
    /// a tolerance of 100%, is refused before a child starts.
    @Test(arguments: [(1, 0.03, "steps"), (101, 0.03, "steps"), (3, 1.0, "tolerance"), (3, 0, "tolerance")])
    func stepsAndToleranceAreChecked(steps: Int, tolerance: Double, field: String) throws {
        let graph = try #require(Zoo.entry(named: "lenet5")).graph()
        let request = ValidationRequest(model: "lenet5", graph: graph, batch: 1, optimizer: .sgd, steps: steps, tolerance: tolerance)
        #expect {
            _ = try Validation.run(request, launcher: .memq(at: "/nonexistent"))
        } throws: { error in
            guard case ValidationError.invalidRequest(let f, _) = error else { return false }
            return f == field
        }
    }

    /// Cancellation kills the child and throws.
    @Test func cancellationStopsTheChild() throws {
        let launcher = try #require(memq)
        let graph = try #require(Zoo.entry(named: "lenet5")).graph()
        let request = ValidationRequest(model: "lenet5", graph: graph, batch: 1, optimizer: .sgd, fault: .hang)
        let start = Date()
        #expect(throws: ValidationError.self) {
            _ = try Validation.run(request, launcher: launcher, isCancelled: { Date().timeIntervalSince(start) > 0.5 })
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
