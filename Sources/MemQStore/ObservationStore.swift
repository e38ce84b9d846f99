import Foundation
import GRDB

/// What a scheduler saw when it ran a job: its measured peak, or that it ran out of memory, for the configuration
/// MemQ answered. Kept in SQLite so later answers for the same model and GPU widen their margin when reality was
/// higher than the estimate, across restarts.
public struct Observation: Sendable, Hashable {
    public var model: String
    public var gpu: String
    /// The configuration as a canonical JSON text (dtype, optimizer, batch, ...), for `explain`.
    public var config: String
    /// MemQ's estimate for that configuration (the device profile's peak).
    public var predictedBytes: Int
    /// The measured peak (`torch.cuda.max_memory_reserved` + context, or nvidia-smi's), or for an OOM the device's
    /// memory (the peak was at least that).
    public var measuredBytes: Int
    public var oom: Bool
    public var recorded: Date

    public init(model: String, gpu: String, config: String, predictedBytes: Int, measuredBytes: Int, oom: Bool, recorded: Date = Date()) {
        self.model = model; self.gpu = gpu; self.config = config; self.predictedBytes = predictedBytes
        self.measuredBytes = measuredBytes; self.oom = oom; self.recorded = recorded
    }

    /// How far reality exceeded the estimate: measured / predicted - 1, at least 0.
    public var excess: Double { predictedBytes > 0 ? max(0, Double(measuredBytes) / Double(predictedBytes) - 1) : 0 }
}

/// The observations database (`observations-db` in config/memqd.json).
public final class ObservationStore: Sendable {
    private let queue: DatabaseQueue
    public let path: String

    /// Opens (creating when missing) the database at `path`.
    /// - Throws: `StoreError` naming the path and SQLite's message.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE observation (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model TEXT NOT NULL, gpu TEXT NOT NULL, config TEXT NOT NULL,
                        predicted_bytes INTEGER NOT NULL, measured_bytes INTEGER NOT NULL, oom BOOLEAN NOT NULL,
                        recorded DATETIME NOT NULL);
                    CREATE INDEX observation_model_gpu ON observation(model, gpu);
                    """)
            }
            try migrator.migrate(queue)
        } catch {
            throw StoreError(path: path, message: "\(error)")
        }
    }

    public func add(_ o: Observation) throws(StoreError) {
        do {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO observation (model, gpu, config, predicted_bytes, measured_bytes, oom, recorded) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [o.model, o.gpu, o.config, o.predictedBytes, o.measuredBytes, o.oom, o.recorded])
            }
        } catch {
            throw StoreError(path: path, message: "\(error)")
        }
    }

    /// The observations of `model` on `gpu`, oldest first.
    public func observations(model: String, gpu: String) throws(StoreError) -> [Observation] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM observation WHERE model = ? AND gpu = ? ORDER BY id", arguments: [model, gpu]).map { row in
                    Observation(model: row["model"], gpu: row["gpu"], config: row["config"], predictedBytes: row["predicted_bytes"],
                                measuredBytes: row["measured_bytes"], oom: row["oom"], recorded: row["recorded"])
                }
            }
        } catch {
            throw StoreError(path: path, message: "\(error)")
        }
    }

    /// Every observation's count, for metrics.
    public func count() -> Int {
        (try? queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observation") ?? 0 }) ?? 0
    }
}

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "observations database '\(path)': \(message)" }
}
