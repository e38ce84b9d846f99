import MemQCore

/// The simulated step as a Chrome trace event file (the JSON Perfetto and chrome://tracing open): `X` slices for the
/// phases (forward, backward, optimizer step) and, nested in them, one per op; a `C` counter event after every op
/// with one series per memory category (Perfetto draws a track per series; chrome://tracing stacks them).
///
/// Time is simulated, not measured: op k of the step runs from k to k + 1 microseconds.
public enum ChromeTrace {
    public static func json(_ samples: [StepSample], model: String, batch: Int) -> JSONValue {
        let pid = 1, tid = 1
        var events: [JSONValue] = [
            ["name": "process_name", "ph": "M", "pid": .int(pid), "args": ["name": .string("MemQ: \(model), batch \(batch) (simulated step)")]],
            ["name": "thread_name", "ph": "M", "pid": .int(pid), "tid": .int(tid), "args": ["name": "ops (1 op = 1 µs of simulated time)"]],
        ]
        var start = 0
        for i in 1...max(1, samples.count) where !samples.isEmpty && (i == samples.count || samples[i].phase != samples[start].phase) {
            let name = samples[start].phase == .step ? "optimizer step" : samples[start].phase.rawValue
            events.append(["name": .string(name), "cat": "phase", "ph": "X", "ts": .int(start), "dur": .int(i - start),
                           "pid": .int(pid), "tid": .int(tid)])
            start = i
        }
        for (k, s) in samples.enumerated() {
            events.append(["name": .string(s.event), "cat": "op", "ph": "X", "ts": .int(k), "dur": 1, "pid": .int(pid), "tid": .int(tid),
                           "args": ["node": .string(s.node), "phase": .string(s.phase.rawValue), "live_bytes": .int(s.total)]])
            var series: [String: JSONValue] = [:]
            for (c, name) in AllocationTrace.categories.enumerated() { series[name] = .int(s.live[c]) }
            events.append(["name": "memory (bytes)", "ph": "C", "ts": .int(k + 1), "pid": .int(pid), "args": .object(series)])
        }
        return ["traceEvents": .array(events),
                "otherData": ["model": .string(model), "batch": .int(batch),
                              "note": "MemQ's simulated training step; timestamps count ops, not measured time"]]
    }
}
