import ArgumentParser
import Foundation
import MemQReport

/// How a command writes its result: `[--json | --csv] [--output FILE]`; a table on standard output by default.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Write the result as JSON: snake_case keys, sorted; sizes in bytes, counts exact.")
    var json = false

    @Flag(name: .long, help: "Write the result as CSV, one line per row with a header.")
    var csv = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to <file> instead of standard output.", valueName: "file"))
    var output: String?

    /// The chosen format.
    var format: OutputFormat { json ? .json : csv ? .csv : .text }

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other; choose one") }
    }

    /// Renders `result` in the chosen format and writes it.
    func emit(_ result: some ReportRenderable) throws {
        try write(result.rendered(as: format))
    }

    /// Writes `text` to `--output` or standard output.
    func write(_ text: String) throws {
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output))
        } catch {
            throw CLIError("cannot write '\(output)': \((error as NSError).localizedDescription)")
        }
    }
}
