import ArgumentParser

/// Where a command runs: embedded in this process (the default) or on a memqd daemon with `--server ENDPOINT`.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Run on the memqd daemon at <endpoint> (e.g. tcp://127.0.0.1:5555) instead of in this process. Not available yet.",
        valueName: "endpoint"))
    var server: String?

    /// Fails while the daemon client is not wired; commands call it first.
    func requireEmbedded() throws {
        if let server {
            throw CLIError("--server \(server): running on a memqd daemon is not available yet; drop --server to run in this process")
        }
    }
}
