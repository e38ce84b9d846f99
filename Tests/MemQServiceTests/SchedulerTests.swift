import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// The scheduler queries, each checked against the estimator's own answers computed independently here (a plan's
/// row is the fit and estimates it claims; a curve's pieces reproduce every batch's estimate), and the units and
/// rounding of the rendered resources by arithmetic.
@Suite struct SchedulerTests {
    let service = MemQService(allowFiles: false)
    static let body: [String: JSONValue] = ["model": "resnet18", "batch": 32, "optimizer": "adamw"]

    @Test func planAgreesWithEstimateAndFit() throws {
        var body = Self.body
        body["gpus"] = "l4,a100-80gb"
        body["prices"] = ["l4": 0.8, "a100-80gb": 3.67]
        let plan = try service.plan(.object(body))
        #expect(plan.rows.map(\.gpu) == ["l4", "a100-80gb"])
        #expect(plan.cheapest == "l4")
        for row in plan.rows {
            let g = try #require(GPUProfile.named(row.gpu, in: DeviceCatalog.current))
            // The upper bound is the pytorch-cuda estimate times 1.05, rounded up.
            var device = Self.body
            device["gpu"] = .string(row.gpu); device["runtime"] = "pytorch-cuda"
            let e = try service.estimate(.object(device))
            #expect(row.upperBoundBytes == Int((Double(e.peakBytes) * 1.05).rounded(.up)))
            #expect(row.usableBytes == g.memoryBytes - g.contextBytes - g.cublasWorkspaceBytes - g.cudnnWorkspaceBytes)
            #expect(row.fits == (row.upperBoundBytes <= g.memoryBytes))
            // The largest batch's bound fits, the next one's does not.
            let maxBatch = try #require(row.maxBatch)
            for (b, fits) in [(maxBatch, true), (maxBatch + 1, false)] {
                device["batch"] = .int(b)
                let p = try service.estimate(.object(device)).peakBytes
                #expect((Double(p) * 1.05 <= Double(g.memoryBytes)) == fits, "\(row.gpu) batch \(b)")
            }
        }
    }

    /// MiB and GiB rounded up, never down: 7,607 MiB is 7.43 GiB -> 8 for gpushare.
    @Test func resourcesRoundUp() throws {
        var body = Self.body
        body["gpu"] = "l4"
        body["gpus"] = 2
        let r = try service.resources(.object(body))
        #expect(r.memoryMiB * (1 << 20) >= r.upperBoundBytes && (r.memoryMiB - 1) * (1 << 20) < r.upperBoundBytes)
        #expect(r.memoryGiB * (1 << 30) >= r.upperBoundBytes && (r.memoryGiB - 1) * (1 << 30) < r.upperBoundBytes)
        #expect(r.fragments["hami"]?.yaml.contains("nvidia.com/gpumem: \(r.memoryMiB)") == true)
        #expect(r.fragments["hami"]?.yaml.contains("nvidia.com/gpu: 2") == true)
        #expect(r.fragments["volcano"]?.yaml.contains("volcano.sh/vgpu-memory: \(r.memoryMiB)") == true)
        #expect(r.fragments["kai"]?.yaml.contains("gpu-memory: \"\(r.memoryMiB)\"") == true)
        #expect(r.fragments["aliyun"]?.yaml.contains("aliyun.com/gpu-mem: \(r.memoryGiB)") == true)
        #expect(r.fragments["slurm"]?.yaml == "#SBATCH --gres=gpu:l4:2\n")
        #expect(throws: WireError.self) { try service.resources(.object(Self.body)) }  // no gpu
        body["schedulers"] = "hami,yarn"
        #expect(throws: WireError.self) { try service.resources(.object(body)) }
    }

    /// Every batch's estimate lies on the curve's piece for it.
    @Test func curveReproducesEstimates() throws {
        var body = Self.body
        body["max-batch"] = 300
        let curve = try service.curve(.object(body))
        guard case .array(let segments)? = curve.result["segments"] else { Issue.record("no segments"); return }
        var covered = 0
        for s in segments {
            guard case .int(let from)? = s["from"], case .int(let to)? = s["to"], case .int(let fixed)? = s["fixed_bytes"],
                  case .int(let slope)? = s["per_sample_bytes"] else { Issue.record("bad segment \(s)"); return }
            #expect(from == covered + 1)
            covered = to
            for b in Set([from, (from + to) / 2, to]) {
                var q = Self.body
                q["batch"] = .int(b)
                #expect(try service.estimate(.object(q)).peakBytes == fixed + slope * b, "batch \(b)")
            }
        }
        #expect(covered == 300)
    }

    @Test func accumulateShardColocate() throws {
        var body = Self.body
        body["global-batch"] = 512; body["gpus"] = 4; body["gpu"] = "t4"
        let a = try service.accumulate(.object(body))
        guard case .int(let micro)? = a.result["micro_batch"], case .int(let steps)? = a.result["accumulation_steps"] else { Issue.record("\(a.result)"); return }
        #expect(micro * steps >= 128 && micro * (steps - 1) < 128)
        let s = try service.shard(["model": "vgg16", "batch": 64, "optimizer": "adam", "gpu": "t4"])
        guard case .array(let schemes)? = s.result["schemes"] else { Issue.record("\(s.result)"); return }
        #expect(schemes.count == 4)
        let c = try service.colocate(["gpu": "l4", "jobs": [["model": "resnet18", "batch": 8], ["model": "mobilenet_v2", "batch": 8]]])
        guard case .int(let sum)? = c.result["sum_of_peaks_bytes"], case .int(let aligned)? = c.result["aligned_peak_bytes"] else { Issue.record("\(c.result)"); return }
        #expect(aligned <= sum)
    }

    /// A batch answers each query as the command itself would, errors included, in order.
    @Test func batchOfQueries() throws {
        let q: JSONValue = ["queries": [
            ["command": "estimate", "body": ["model": "resnet18", "batch": 8]],
            ["command": "estimate", "body": ["model": "no-such-model"]],
            ["command": "plan", "body": ["model": "resnet18", "batch": 8, "gpus": "t4"]],
        ]]
        let reply = try service.batch(q)
        guard case .array(let results)? = reply["results"] else { Issue.record("no results"); return }
        #expect(results.count == 3)
        #expect(results[0]["status"] == .int(200))
        #expect(results[1]["status"] == .int(404))
        #expect(results[2]["status"] == .int(200))
        let direct = try service.handle(.estimate, body: ["model": "resnet18", "batch": 8])
        #expect(results[0]["body"] == direct)
        // A command that cannot be batched fails on its own, with the field named.
        let refused = try service.batch(["queries": [["command": "validate", "body": [:]]]])
        guard case .array(let one)? = refused["results"] else { Issue.record("no results"); return }
        #expect(one[0]["status"] == .int(400))
        #expect(throws: WireError.self) { try service.batch(["queries": "estimate"]) }
    }
}
