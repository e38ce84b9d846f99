import ArgumentParser
import Testing
@testable import memq

/// `memq --help` and every subcommand's help: ArgumentParser appends `(default: …)` to an option with a default
/// value, so a help string must not carry its own.
@Suite struct HelpTests {
    static let commands: [ParsableCommand.Type] = [Memq.self] + Memq.configuration.subcommands

    /// Help text wide enough that every option's help sits on one line.
    static func help(_ command: ParsableCommand.Type) -> String {
        command == Memq.self ? Memq.helpMessage(columns: 10_000) : Memq.helpMessage(for: command, columns: 10_000)
    }

    @Test(arguments: commands.indices)
    func noDefaultTwice(index: Int) {
        let command = Self.commands[index]
        for line in Self.help(command).split(separator: "\n") {
            let defaults = line.components(separatedBy: "(default:").count - 1
            #expect(defaults <= 1, "\(command.configuration.commandName ?? "memq"): \(line)")
        }
    }

    /// The defaults are still shown, once.
    @Test func defaultsShownOnce() {
        let estimate = Self.help(EstimateCommand.self).split(separator: "\n")
        let batch = estimate.first { $0.hasPrefix("  -b, --batch <batch>") }.map(String.init) ?? ""
        #expect(batch.contains("(default: 1)"), "\(batch)")
        let keygen = Self.help(KeygenCommand.self).split(separator: "\n")
        let name = keygen.first { $0.hasPrefix("  --name <name>") }.map(String.init) ?? ""
        #expect(name.contains("(default: memq)"), "\(name)")
        // An option with a transform gets no default from ArgumentParser: its help says it.
        let summary = Self.help(SummaryCommand.self).split(separator: "\n")
        let summaryBatch = summary.first { $0.hasPrefix("  -b, --batch <batch>") }.map(String.init) ?? ""
        #expect(summaryBatch.contains("(default: 1)"), "\(summaryBatch)")
    }
}
