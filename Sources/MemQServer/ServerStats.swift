import Foundation
import MemQCore
import MemQWire
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

    /// Empty counters.
    package init() {}

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
