import ArgumentParser
import MemQCore
import MemQReport
import MemQWire

/// `memq models`: the zoo with each model's family, default input, parameters and MACs.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the built-in models with their default input, parameters and MACs.",
        discussion: """
            MACs are for one sample at the default input. Any name listed here is a MODEL for the other commands.

            Examples:
              memq models
              memq models --family resnet
              memq models --json
            """
    )

    @Option(name: .long, help: ArgumentHelp("Only models of this family (e.g. resnet, vgg, mobilenet).", valueName: "family"))
    var family: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var server: ServerOptions

    func run() async throws {
        var body: [String: JSONValue] = [:]
        if let family { body["family"] = .string(family) }
        let result = try CommandRunner.run(.models, body: .object(body), server: server, as: ModelsResult.self) { s, b throws(WireError) in
            try s.models(b)
        }
        try output.emit(result)
    }
}
