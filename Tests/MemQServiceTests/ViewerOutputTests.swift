import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// The pictures: PyTorch's memory snapshot (read back by Python's own `pickle`), the Chrome trace, and the HTML
/// report opened in headless Chromium (installed by scripts/setup.sh).
@Suite(.serialized) struct ViewerOutputTests {
    let service = MemQService(allowFiles: false)
    static let body: JSONValue = ["model": "resnet18", "batch": 4, "optimizer": "adamw"]

    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        p.standardOutput = out; p.standardError = err; p.standardInput = stdin
        try p.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("memq-viewer-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    }

    /// Python unpickles the snapshot (protocol 4) and checks what the viewer needs: the keys and types, every free
    /// paired with an earlier allocation at its address and size, the final segments' allocated blocks exactly the
    /// allocations still open, blocks tiling their segments, an `unknown` category present, and the running total's
    /// maximum equal to the estimate's peak of tensor bytes.
    @Test func snapshotReadByPython() throws {
        let (estimate, trace) = try service.allocationTrace(Self.body)
        let bytes = PickleWriter.bytes(MemorySnapshot.value(trace, model: estimate.model))
        #expect(bytes.prefix(2) == [0x80, 4])
        let file = Self.temporary("snapshot.pickle")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import pickle, sys
            s = pickle.load(open(sys.argv[1], 'rb'))
            assert set(s) >= {'segments', 'device_traces'}, s.keys()
            assert isinstance(s['device_traces'], list) and isinstance(s['device_traces'][0], list)
            live, total, peak, cats = {}, 0, 0, set()
            for e in s['device_traces'][0]:
                assert {'action', 'addr', 'size', 'stream', 'frames', 'time_us'} <= set(e), e
                assert isinstance(e['addr'], int) and isinstance(e['size'], int) and isinstance(e['frames'], list)
                cats.add(e.get('category'))
                if e['action'] == 'alloc':
                    assert e['addr'] not in live
                    live[e['addr']] = e['size']; total += e['size']; peak = max(peak, total)
                elif e['action'] == 'free_completed':
                    assert live.pop(e['addr']) == e['size']
                    total -= e['size']
            final = {}
            for seg in s['segments']:
                a = seg['address']
                for b in seg['blocks']:
                    assert b['address'] == a and b['state'] in ('active_allocated', 'inactive')
                    a += b['size']
                    if b['state'] == 'active_allocated': final[b['address']] = b['size']
                assert a == seg['address'] + seg['total_size']
            assert final == live, (len(final), len(live))
            assert 'unknown' in cats and cats <= {'unknown', 'weights', 'buffers', 'gradients', 'optimizer_state', 'activations', 'temporary', 'input'}
            print(peak)
            """
        let r = try Self.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(r.status == 0, "\(r.err)")
        #expect(Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) == estimate.peakBytes - estimate.breakdown.runtimeOverhead)
        #expect(trace.peakBytes == estimate.peakBytes)
    }

    /// The Chrome trace: phases nest the ops, and the counters' largest sum is the peak.
    @Test func chromeTrace() throws {
        let (estimate, trace) = try service.allocationTrace(Self.body)
        let json = ChromeTrace.json(trace.samples, model: estimate.model, batch: estimate.batch)
        let parsed = try JSONValue.parse(json.serialized())
        guard case .array(let events)? = parsed["traceEvents"] else { Issue.record("no traceEvents"); return }
        var phases: [(Int, Int)] = [], ops = 0, peak = 0
        for e in events {
            guard case .string(let ph)? = e["ph"] else { continue }
            if ph == "X", case .int(let ts)? = e["ts"], case .int(let dur)? = e["dur"] {
                if e["cat"] == .string("phase") { phases.append((ts, ts + dur)) } else {
                    ops += 1
                    #expect(phases.contains { $0.0 <= ts && ts + dur <= $0.1 }, "op at \(ts) outside every phase")
                }
            }
            if ph == "C", case .object(let series)? = e["args"] {
                #expect(series.count == 7)
                peak = max(peak, series.values.reduce(0) { if case .int(let i) = $1 { $0 + i } else { $0 } })
            }
        }
        #expect(phases.count == 3)
        #expect(ops == trace.samples.count)
        #expect(peak == estimate.peakBytes)
    }

    /// The HTML page in headless Chromium: it renders (a screenshot of the page is written), and the DOM holds the
    /// timeline's stacked areas, the peak marker and figure, the layers, the batch chart with the GPUs' budgets.
    @Test func reportInChromium() throws {
        var body = Self.body
        if case .object(var o) = body { o["batches"] = "1,2,4..64"; o["dtypes"] = "fp32,bf16"; body = .object(o) }
        let report = try service.report(body)
        let page = report.html()
        let file = Self.temporary("report.html"), shot = Self.temporary("report.png")
        try page.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file); try? FileManager.default.removeItem(at: shot) }
        let browser = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let chromium = try #require(browser, "chromium is missing: scripts/setup.sh installs it")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1150,2400"]
        let dom = try Self.run(chromium, flags + ["--dump-dom", file.absoluteString])
        #expect(dom.status == 0, "\(dom.err.suffix(500))")
        #expect(dom.out.contains("id=\"timeline\""))
        #expect(dom.out.components(separatedBy: "class=\"area\"").count - 1 >= 5)
        #expect(dom.out.contains("id=\"peak-marker\""))
        #expect(dom.out.contains("data-peak-bytes=\"\(report.estimate.peakBytes)\""))
        #expect(dom.out.contains(ByteCount(report.estimate.peakBytes).formatted()))
        #expect(dom.out.contains("id=\"layers\""))
        #expect(dom.out.components(separatedBy: "class=\"curve\"").count - 1 == 2)
        #expect(dom.out.components(separatedBy: "class=\"gpu\"").count - 1 == DeviceCatalog.current.count)
        let capture = try Self.run(chromium, flags + ["--screenshot=\(shot.path)", file.absoluteString])
        #expect(capture.status == 0)
        let png = try Data(contentsOf: shot)
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4e, 0x47]) && png.count > 20_000)
    }

    @Test func reportThroughTheWire() throws {
        let reply = try service.handle(.report, body: Self.body)
        guard case .string(let html)? = reply["html"] else { Issue.record("no html"); return }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(throws: WireError.self) { try service.report(["model": "resnet18", "batches": "0"]) }
    }
}
