import Foundation
import MemQCore
import MemQWire
import Synchronization

/// The validation jobs the daemon knows: queued, running, and the most recent finished ones.
///
/// Shared by the frontend thread (create, query, cancel, expire) and the slow workers (start,
/// progress, finish); behind a lock. A job changes state only forward: queued → running →
/// done/failed/cancelled; once final, later outcomes (a cancelled job's handler returning) are ignored.
package final class JobTable: Sendable {
    /// One job.
    package struct Record: Sendable {
        /// The job id given to the client.
        package let id: String
        /// Where the job is.
        package var state: WireJobState = .queued
        /// 0...1, as last reported by the handler.
        package var progress = 0.0
        /// The handler's current phase.
        package var phase = "queued"
        /// The result, once done.
        package var result: JSONValue?
        /// Why it failed or was cancelled.
        package var error: WireError?
        /// When it was accepted.
        package let created: ContinuousClock.Instant
        /// When a worker started it.
        package var started: ContinuousClock.Instant?
        /// When it ended.
        package var finished: ContinuousClock.Instant?
        /// The deadline, once running.
        package var deadline: ContinuousClock.Instant?
        /// Set when the job must stop.
        package let cancel: CancellationFlag
    }

    /// The table's contents.
    private struct State {
        /// Every known job by id.
        var records: [String: Record] = [:]
        /// Finished job ids, oldest first, for forgetting.
        var finishedOrder: [String] = []
        /// Jobs created so far, for ids.
        var counter = 0
    }

    /// The longest a job may run, in seconds.
    private let maxSeconds: Double
    /// How many finished jobs are remembered.
    private let retention: Int
    /// A random part of job ids, so ids of two daemon runs differ.
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    /// The contents, behind a lock.
    private let state = Mutex(State())

    /// A table whose jobs may run `maxSeconds` and which remembers `retention` finished jobs.
    package init(maxSeconds: Double, retention: Int) {
        self.maxSeconds = maxSeconds
        self.retention = max(1, retention)
    }

    /// Adds a queued job.
    /// - Returns: Its id and cancellation flag.
    package func create() -> (id: String, cancel: CancellationFlag) {
        let flag = CancellationFlag()
        let id = state.withLock { state -> String in
            state.counter += 1
            let id = "v\(state.counter)-\(prefix)"
            state.records[id] = Record(id: id, created: .now, cancel: flag)
            return id
        }
        return (id, flag)
    }

    /// Forgets a job that could not be queued.
    package func remove(_ id: String) {
        state.withLock { _ = $0.records.removeValue(forKey: id) }
    }

    /// Marks a job running and starts its clock.
    /// - Returns: `false` if the job is already final (cancelled while queued): skip it.
    package func start(_ id: String) -> Bool {
        state.withLock { state in
            guard var record = state.records[id], record.state == .queued else { return false }
            let now = ContinuousClock.now
            record.state = .running
            record.phase = "starting"
            record.started = now
            record.deadline = now.advanced(by: .milliseconds(Int(maxSeconds * 1000)))
            state.records[id] = record
            return true
        }
    }

    /// Records the handler's progress.
    package func progress(_ id: String, fraction: Double, phase: String) {
        state.withLock { state in
            guard var record = state.records[id], !record.state.isFinal else { return }
            record.progress = min(1, max(0, fraction.isFinite ? fraction : 0))
            record.phase = String(phase.prefix(120))
            state.records[id] = record
        }
    }

    /// Ends a job with its result or error, unless it already ended (cancelled, timed out).
    package func finish(_ id: String, _ outcome: Result<JSONValue, WireError>) {
        state.withLock { state in
            guard var record = state.records[id], !record.state.isFinal else { return }
            switch outcome {
            case .success(let result):
                record.state = .done
                record.result = result
                record.progress = 1
                record.phase = "done"
            case .failure(let error):
                record.state = error.code == "cancelled" ? .cancelled : .failed
                record.error = error
                record.phase = record.state.rawValue
            }
            Self.close(&record, in: &state, retention: retention)
        }
    }

    /// Cancels a queued or running job: it becomes `cancelled` at once and its flag is set.
    /// - Returns: The record after the change, or `nil` for an unknown id.
    package func cancel(_ id: String, reason: WireError) -> Record? {
        state.withLock { state in
            guard var record = state.records[id] else { return nil }
            guard !record.state.isFinal else { return record }
            record.cancel.cancel(reason)
            record.state = .cancelled
            record.error = reason
            record.phase = "cancelled"
            Self.close(&record, in: &state, retention: retention)
            return record
        }
    }

    /// Fails every running job past its deadline with 408, setting its flag.
    /// - Returns: The ids that timed out.
    @discardableResult
    package func expire(now: ContinuousClock.Instant = .now) -> [String] {
        state.withLock { state in
            var expired: [String] = []
            for (id, var record) in state.records where record.state == .running {
                guard let deadline = record.deadline, deadline <= now else { continue }
                let error = WireError(status: .timeout, code: "timeout",
                                      message: "validation job \(id) exceeded the time limit of \(maxSeconds) s (validation-max-seconds) in phase \"\(record.phase)\"")
                record.cancel.cancel(error)
                record.state = .failed
                record.error = error
                Self.close(&record, in: &state, retention: retention)
                expired.append(id)
            }
            return expired
        }
    }

    /// Cancels every job that is not final, e.g. at the end of the shutdown grace period.
    package func cancelAll(reason: WireError) {
        let ids = state.withLock { $0.records.values.filter { !$0.state.isFinal }.map(\.id) }
        for id in ids { _ = cancel(id, reason: reason) }
    }

    /// A copy of one job's record.
    package func record(_ id: String) -> Record? {
        state.withLock { $0.records[id] }
    }

    /// Jobs queued and running now.
    package var activeCounts: (queued: Int, running: Int) {
        state.withLock { state in
            var queued = 0, running = 0
            for record in state.records.values {
                if record.state == .queued { queued += 1 }
                if record.state == .running { running += 1 }
            }
            return (queued, running)
        }
    }

    /// Marks `record` final and remembers it, forgetting the oldest finished jobs beyond retention.
    private static func close(_ record: inout Record, in state: inout State, retention: Int) {
        record.finished = .now
        state.records[record.id] = record
        state.finishedOrder.append(record.id)
        while state.finishedOrder.count > retention {
            state.records.removeValue(forKey: state.finishedOrder.removeFirst())
        }
    }
}
