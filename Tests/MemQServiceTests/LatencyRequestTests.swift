import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// `latency` and the `speed` columns of `sweep` and `fit`: the request keys, their errors, and the figures against
/// the roofline written out.
@Suite struct LatencyRequestTests {
    let service = MemQService(allowFiles: false)

    /// lenet5 at batch 8 on a T4: the service answers the roofline's figures; FPS is batch over the forward.
    @Test func latencyOnAGPU() throws {
        let r = try service.latency(["model": "lenet5", "batch": 8, "gpu": "t4"])
        #expect(r.estimate.device == "t4" && r.estimate.batch == 8 && !r.estimate.train)
        #expect(abs(r.estimate.forwardFPS - 8 / r.estimate.forwardSeconds) < 1e-6)
        #expect(r.estimate.layers.allSatisfy { $0.phase == .forward })
        // `device` names the GPU without `gpu`; `train` adds backward rows and the optimizer's.
        let t = try service.latency(["model": "lenet5", "batch": 8, "device": "t4", "train": true, "optimizer": "adam"])
        #expect(t.estimate.layers.contains { $0.phase == .backward })
        #expect(t.estimate.layers.last?.name == "optimizer.step" && t.estimate.layers.last?.op == "adam")
        #expect(t.estimate.seconds > r.estimate.forwardSeconds)
        // Overrides land in the estimate: half the memory efficiency doubles every memory-bound layer's time.
        let slow = try service.latency(["model": "lenet5", "batch": 8, "gpu": "t4", "memory-efficiency": 0.4])
        #expect(slow.estimate.efficiency.memory == 0.4)
        for (a, b) in zip(r.estimate.layers, slow.estimate.layers) where a.kernels > 0 {
            #expect(abs(b.memorySeconds - 2 * a.memorySeconds) < 1e-15)
        }
        let text = r.renderText()
        #expect(text.contains("forward") && text.contains("samples/s") && text.contains("ridge point"))
    }

    @Test func errorsNameTheField() {
        func error(_ body: JSONValue) -> WireError? {
            do { _ = try service.latency(body); return nil } catch { return error }
        }
        #expect(error(["model": "lenet5"])?.field == "device")
        #expect(error(["model": "lenet5"])?.message.contains("cpu-local") == true)
        #expect(error(["model": "lenet5", "device": "h200"])?.field == "gpu")
        #expect(error(["model": "lenet5", "gpu": "t4", "compute-efficiency": 1.5])?.field == "compute-efficiency")
        #expect(error(["model": "lenet5", "gpu": "t4", "launch-overhead-us": -2])?.field == "launch-overhead-us")
        #expect(error(["model": "lenet5", "gpu": "t4", "memory-efficiency": "fast"])?.field == "memory-efficiency")
        #expect(error(["model": "lenet5", "gpu": "t4", "trian": true])?.field == "trian")
    }

    /// Sweep rows carry the training step's time on the GPU; samples/s = batch / step time, and a batch of 64 takes
    /// longer than one of 8. Latency keys without `speed` are refused rather than ignored.
    @Test func sweepAndFitSpeed() throws {
        let s = try service.sweep(["model": "resnet18", "batch": "8,64", "gpu": "a100-40gb", "speed": true, "optimizer": "adam"])
        let speeds = s.rows.compactMap(\.speed)
        #expect(speeds.count == 2)
        for (row, speed) in zip(s.rows, speeds) {
            #expect(abs(speed.samplesPerSecond - Double(row.batch) / speed.stepSeconds) < 1e-6)
            let direct = try service.latency(["model": "resnet18", "batch": .int(row.batch), "gpu": "a100-40gb", "train": true,
                                              "optimizer": "adam"])
            #expect(speed.stepSeconds == direct.estimate.seconds)
        }
        #expect(speeds[1].stepSeconds > speeds[0].stepSeconds)
        #expect(s.renderText().contains("samples/s"))
        let csv = s.renderCSV().split(separator: "\n")
        #expect(csv.first?.hasSuffix("speed_device,step_seconds,samples_per_second") == true)
        #expect(csv.dropFirst().first?.hasSuffix("a100-40gb,\(speeds[0].stepSeconds),\(speeds[0].samplesPerSecond)") == true)
        #expect(throws: WireError.self) { try service.sweep(["model": "resnet18", "batch": "8", "gpu": "t4", "device": "t4"]) }
        let f = try service.fit(["model": "resnet18", "gpu": "t4", "speed": true])
        #expect(f.atMax.speed?.device == "t4" && f.next.speed != nil)
        #expect(f.renderText().contains("step time"))
        let plain = try service.fit(["model": "resnet18", "gpu": "t4"])
        #expect(plain.atMax.speed == nil)
    }
}
