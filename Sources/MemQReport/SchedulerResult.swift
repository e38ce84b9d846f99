import MemQCore

/// The answer of a scheduler query (`curve`, `accumulate`, `shard`, `colocate`, `explain`, `observe`): its JSON and
/// the text the CLI prints, computed once by the service so memqd and the embedded CLI print the same.
public struct SchedulerResult: ReportRenderable, Hashable {
    public var result: JSONValue
    public var text: String

    public init(result: JSONValue, text: String) { self.result = result; self.text = text }

    public func renderText() -> String { text.hasSuffix("\n") ? text : text + "\n" }

    /// One row per top-level key (values as compact JSON).
    public func renderCSV() -> String {
        guard case .object(let o) = result else { return CSVWriter.table(header: ["value"], rows: [[String(decoding: result.serialized(), as: UTF8.self)]]) }
        return CSVWriter.table(header: ["key", "value"], rows: o.keys.sorted().map { [$0, String(decoding: o[$0]!.serialized(), as: UTF8.self)] })
    }
}
