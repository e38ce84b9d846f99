import Foundation
import MemQCore
import MemQWire
import Prometheus
import Synchronization

/// The daemon's counters: requests by command and status, latencies, dropped replies.
///
/// Written by the frontend thread, read by `stats` and tests; behind a lock.
package final class ServerStats: Sendable {
    /// The key under which requests that could not be decoded are counted.
    package static let invalidCommand = "(invalid)"

    /// The counters.
    private struct Counters {
        /// Replies sent (or dropped), by command and status code.
        var requests: [String: [Int: Int]] = [:]
        /// Latency from receipt to reply, by command.
        var latencies: [String: LatencyWindow] = [:]
        /// Replies whose client had gone (or whose pipe was full).
        var droppedReplies = 0
    }

    /// When the daemon started.
    private let started = ContinuousClock.now
    /// The counters, behind a lock.
    private let counters = Mutex(Counters())

    /// The same counts for Prometheus (`memqd --metrics-port`): requests by command and status, latency histograms.
    package let registry = PrometheusCollectorRegistry()
    /// Gauges read at each scrape: queue depths, jobs, observations.
    private let gaugeProviders = Mutex<[@Sendable () -> [(name: String, labels: [(String, String)], value: Double)]]>([])

    /// Empty counters.
    package init() {}

    private let queues = Mutex<(lanes: [(lane: String, depth: Int, busy: Int)], inFlight: Int)>(([], 0))

    /// The frontend's latest queue depths (it owns the dispatcher).
    package func setQueueGauges(_ lanes: [(lane: String, depth: Int, busy: Int)], in_flight: Int) {
        queues.withLock { $0 = (lanes, in_flight) }
    }

    /// Adds a source of gauges, read when metrics are scraped.
    package func addGauges(_ provider: @escaping @Sendable () -> [(name: String, labels: [(String, String)], value: Double)]) {
        gaugeProviders.withLock { $0.append(provider) }
    }

    /// The Prometheus text exposition (version 0.0.4) of every counter, histogram and gauge.
    package func prometheusText() -> [UInt8] {
        for provider in gaugeProviders.withLock({ $0 }) {
            for g in provider() {
                registry.makeGauge(descriptor: MetricNameDescriptor(metricName: g.name, unitName: "", helpText: ""), labels: g.labels).set(g.value)
            }
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "memqd", metricName: "uptime", unitName: "seconds", helpText: "Seconds since memqd started"),
                           labels: []).set(uptimeSeconds)
        let (lanes, inFlight) = queues.withLock { $0 }
        for l in lanes {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "memqd", metricName: "queue_depth", unitName: "", helpText: "Requests waiting, by lane"),
                               labels: [("lane", l.lane)]).set(Double(l.depth))
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "memqd", metricName: "busy_workers", unitName: "", helpText: "Workers computing, by lane"),
                               labels: [("lane", l.lane)]).set(Double(l.busy))
        }
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "memqd", metricName: "in_flight", unitName: "", helpText: "Requests received and not yet answered"),
                           labels: []).set(Double(inFlight))
        return registry.emitToBuffer()
    }

    private static var requestsDescriptor: MetricNameDescriptor { MetricNameDescriptor(namespace: "memqd", metricName: "requests", unitName: "total",
                                                                  helpText: "Requests answered, by command and status") }
    private static var latencyDescriptor: MetricNameDescriptor { MetricNameDescriptor(namespace: "memqd", metricName: "request_duration", unitName: "seconds",
                                                                 helpText: "From receipt to reply, by command") }
    private static let buckets: [Duration] = [.microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500), .milliseconds(1),
                                              .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500),
                                              .seconds(1), .seconds(5), .seconds(30)]

    /// Seconds since start.
    package var uptimeSeconds: Double {
        let elapsed = started.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Counts one answered request of `command` (or ``invalidCommand``) with `status`, and its latency.
    package func record(command: String, status: WireStatus, latency: Duration) {
        let parts = latency.components
        let micros = Int(parts.seconds) * 1_000_000 + Int(parts.attoseconds / 1_000_000_000_000)
        counters.withLock { counters in
            counters.requests[command, default: [:]][status.rawValue, default: 0] += 1
            counters.latencies[command, default: LatencyWindow()].record(microseconds: micros)
        }
        registry.makeCounter(descriptor: Self.requestsDescriptor, labels: [("command", command), ("status", String(status.rawValue))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latencyDescriptor, labels: [("command", command)], buckets: Self.buckets).record(latency)
    }

    /// Counts a reply that could not be delivered.
    package func recordDroppedReply() {
        counters.withLock { $0.droppedReplies += 1 }
    }

    /// Replies that could not be delivered.
    package var droppedReplies: Int { counters.withLock { $0.droppedReplies } }

    /// How many requests of `command` were answered with `status`.
    package func count(command: String, status: WireStatus) -> Int {
        counters.withLock { $0.requests[command]?[status.rawValue] ?? 0 }
    }

    /// The `requests`, `latency_ms`, `dropped_replies` and `uptime_s` members of the stats body.
    package func snapshot() -> [String: JSONValue] {
        let (requests, latencies, dropped) = counters.withLock { ($0.requests, $0.latencies, $0.droppedReplies) }
        var requestObject: [String: JSONValue] = [:]
        for (command, byStatus) in requests {
            var statuses: [String: JSONValue] = [:]
            for (status, count) in byStatus { statuses[String(status)] = .int(count) }
            requestObject[command] = .object(statuses)
        }
        var latencyObject: [String: JSONValue] = [:]
        for (command, window) in latencies {
            let values = window.percentilesMs([50, 90, 99])
            guard values.count == 3 else { continue }
            latencyObject[command] = .object([
                "p50": .double(values[0]), "p90": .double(values[1]), "p99": .double(values[2]),
                "count": .int(window.total),
            ])
        }
        return [
            "uptime_s": .double((uptimeSeconds * 1000).rounded() / 1000),
            "requests": .object(requestObject),
            "latency_ms": .object(latencyObject),
            "dropped_replies": .int(dropped),
        ]
    }
}
