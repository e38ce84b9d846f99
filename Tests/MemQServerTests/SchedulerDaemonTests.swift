import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import MemQClient
import MemQCore
import MemQWire

/// The scheduler-facing daemon end to end, on the real memqd binary: Prometheus metrics read with a real HTTP client
/// (URLSession), observations kept in SQLite across a restart, and the example scheduler in examples/ run against it.
@Suite(.serialized) struct SchedulerDaemonTests {
    static func scrape(_ url: String) throws -> (status: Int, body: String) {
        let done = DispatchSemaphore(value: 0)
        let result = LockedBox<(Int, String)?>(nil)
        let task = URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
            result.set(((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self)))
            done.signal()
        }
        task.resume()
        _ = done.wait(timeout: .now() + 10)
        let r = try #require(result.get())
        return (r.0, r.1)
    }

    static func temporaryDB() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("memqd-obs-\(UUID().uuidString).sqlite").path
    }

    @Test func metricsOverHTTP() throws {
        let db = Self.temporaryDB()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--metrics-port", "0", "--observations-db", db])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let metrics = try daemon.line(after: "metrics")
        let client = try MemQClient(ClientConfiguration(endpoint: endpoint, timeoutSeconds: 20, tries: 1))
        for _ in 0..<3 { #expect(try client.request(.estimate, body: ["model": "resnet18", "batch": 4]).status == .ok) }
        #expect(try client.request(.estimate, body: ["model": "no-such-model"]).status == .notFound)
        #expect(try client.request(.observe, body: ["model": "resnet18", "batch": 4, "gpu": "t4", "measured-bytes": "900MiB"]).status == .ok)
        Thread.sleep(forTimeInterval: 1.2)  // queue gauges refresh once a second
        let (status, text) = try Self.scrape(metrics)
        #expect(status == 200)
        #expect(text.contains(#"memqd_requests_total{command="estimate",status="200"} 3"#))
        #expect(text.contains(#"memqd_requests_total{command="estimate",status="404"} 1"#))
        #expect(text.contains(#"memqd_request_duration_seconds_count{command="estimate"} 4"#))
        #expect(text.contains("memqd_queue_depth{lane=\"fast\"}"))
        #expect(text.contains("memqd_observations 1"))
        #expect(try Self.scrape(metrics.replacingOccurrences(of: "/metrics", with: "/other")).status == 404)
    }

    /// An observation outlives the daemon: after a restart on the same database, `explain` names it and `plan`
    /// answers with the widened margin.
    @Test func observationsSurviveRestarts() throws {
        let db = Self.temporaryDB()
        defer { try? FileManager.default.removeItem(atPath: db) }
        let body: JSONValue = ["model": "resnet18", "batch": 16, "gpu": "t4"]
        var before = 0
        do {
            let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--observations-db", db])
            defer { daemon.stop() }
            let client = try MemQClient(ClientConfiguration(endpoint: try daemon.line(after: "listening"), timeoutSeconds: 20, tries: 1))
            let plan = try client.request(.plan, body: ["model": "resnet18", "batch": 16, "gpus": "t4"])
            guard case .array(let rows)? = plan.body["rows"], case .int(let b)? = rows.first?["upper_bound_bytes"] else { Issue.record("\(plan.body)"); return }
            before = b
            var observed = body
            if case .object(var o) = observed { o["measured-bytes"] = .int(b * 2); observed = .object(o) }
            #expect(try client.request(.observe, body: observed).status == .ok)
        }
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*", "--observations-db", db])
        defer { daemon.stop() }
        let client = try MemQClient(ClientConfiguration(endpoint: try daemon.line(after: "listening"), timeoutSeconds: 20, tries: 1))
        let explain = try client.request(.explain, body: body)
        guard case .array(let lines)? = explain.body["result"]?["assumptions"] else { Issue.record("\(explain.body)"); return }
        #expect(lines.contains { if case .string(let s) = $0 { s.hasPrefix("observation:") } else { false } })
        let plan = try client.request(.plan, body: ["model": "resnet18", "batch": 16, "gpus": "t4"])
        guard case .array(let rows)? = plan.body["rows"], case .int(let after)? = rows.first?["upper_bound_bytes"] else { Issue.record("\(plan.body)"); return }
        #expect(after > before)
    }

    @Test("examples/place_jobs.py places three jobs with plan",
          .enabled(if: ProcessTests.hasPyzmq, "pyzmq is not installed (python3 -c 'import zmq' failed); run scripts/setup.sh"))
    func exampleScheduler() throws {
        let daemon = try DaemonProcess(["--endpoint", "tcp://127.0.0.1:*"])
        defer { daemon.stop() }
        let endpoint = try daemon.line(after: "listening")
        let script = ConfigTests.root.appendingPathComponent("examples/place_jobs.py").path
        let run = try ProcessTests.python([script, endpoint])
        #expect(run.status == 0)
        let placed = run.output.split(separator: "\n").compactMap { try? JSONValue.parse(Data($0.utf8)) }
        #expect(placed.count == 3)
        #expect(placed.allSatisfy { if case .string? = $0["gpu"] { true } else { false } })
        #expect(Set(placed.compactMap { if case .string(let g)? = $0["gpu"] { g } else { nil } }).count == 3)
    }
}

/// A value behind a lock, for a callback on another thread.
final class LockedBox<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
}
