import MemQCore

/// The simulated step as PyTorch's memory snapshot (`torch.cuda.memory._snapshot()`, torch/cuda/memory.py), for
/// https://pytorch.org/memory_viz (torch/utils/viz/MemoryViz.js):
///
/// - `segments`: the allocator's segments when the step ends, each with its blocks in address order tiling it
///   (`active_allocated` or `inactive`); MemoryViz rebuilds earlier states by undoing the trace from there, so the
///   trace replayed forwards ends exactly here.
/// - `device_traces[0]`: `segment_alloc`, `alloc`, and each free as `free_requested` + `free_completed`, with `addr`,
///   `size`, `stream`, `time_us`, `frames` (the graph node, phase and op) and `category` (weights, activations, ...).
///   MemoryViz colours by category and throws when categories are present and none is `unknown` (a typo in its
///   `annotate_snapshot`), so the segment allocations carry `unknown`.
///
/// Pickle it with protocol 4 (`PickleWriter`): the viewer's unpickler refuses 5.
public enum MemorySnapshot {
    public static func value(_ trace: AllocationTrace, model: String) -> JSONValue {
        var entries: [JSONValue] = []
        entries.reserveCapacity(trace.events.count * 2)
        let start = 1_700_000_000_000_000  // a fixed epoch in microseconds: MemoryViz lays events out by index
        for e in trace.events {
            let frames: JSONValue = [["filename": .string(model), "line": .int(e.sample),
                                      "name": .string("\(e.node) (\(e.phase.rawValue): \(e.op))")]]
            func entry(_ action: String, category: String) -> JSONValue {
                ["action": .string(action), "addr": .int(e.address), "size": .int(e.size), "stream": 0,
                 "time_us": .int(start + e.sample), "frames": frames, "category": .string(category)]
            }
            switch e.action {
            case .segmentAlloc: entries.append(entry("segment_alloc", category: "unknown"))
            case .alloc: entries.append(entry("alloc", category: e.category))
            case .free:
                entries.append(entry("free_requested", category: e.category))
                entries.append(entry("free_completed", category: e.category))
            }
        }
        let segments: [JSONValue] = trace.segments.map { s in
            let allocated = s.blocks.filter { $0.category != nil }.reduce(0) { $0 + $1.size }
            let blocks: [JSONValue] = s.blocks.map { b in
                ["address": .int(b.address), "size": .int(b.size), "requested_size": .int(b.category == nil ? 0 : b.size),
                 "state": .string(b.category == nil ? "inactive" : "active_allocated"),
                 "frames": b.node.map { n -> JSONValue in [["filename": .string(model), "line": 0, "name": .string(n)]] } ?? []]
            }
            return ["device": 0, "address": .int(s.address), "total_size": .int(s.size), "allocated_size": .int(allocated),
                    "active_size": .int(allocated), "requested_size": .int(allocated), "stream": 0,
                    "segment_type": .string(s.size <= 2 << 20 ? "small" : "large"), "segment_pool_id": [0, 0],
                    "is_expandable": false, "frames": [], "blocks": .array(blocks)]
        }
        return ["segments": .array(segments), "device_traces": [.array(entries)], "allocator_settings": [:],
                "external_annotations": []]
    }
}
